import ArgumentParser
import Foundation
import Trace

struct DataSynth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth", abstract: "Write a synthetic TRACE (train/sft/dpo shards, in- and out-of-domain eval), deterministic from --seed.")

    @Option(help: "Generator seed.") var seed: UInt64 = 1
    @Option(help: "IOPO training quadruples.") var trainQuadruples = SyntheticTraceConfig().trainQuadruples
    @Option(help: "In-domain evaluation instructions.") var evalInDomain = SyntheticTraceConfig().evalInDomain
    @Option(help: "Out-of-domain evaluation instructions.") var evalOutOfDomain = SyntheticTraceConfig().evalOutOfDomain
    @Option(help: "Most constraints per training instruction (1...15).") var maxConstraints = SyntheticTraceConfig().maxConstraints
    @Option(help: "Records per shard.") var shardSize = SyntheticTraceConfig().shardSize
    @Option(help: "Output directory (must not exist).") var out: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        guard (1...15).contains(maxConstraints) else { throw CLIError.invalid("--max-constraints \(maxConstraints) is outside 1...15") }
        for (name, value) in [("--train-quadruples", trainQuadruples), ("--eval-in-domain", evalInDomain),
                              ("--eval-out-of-domain", evalOutOfDomain), ("--shard-size", shardSize)] where value < 1 {
            throw CLIError.invalid("\(name) must be at least 1")
        }
        if FileManager.default.fileExists(atPath: out) { throw CLIError.invalid("\(out) already exists; choose a new directory") }
        var config = SyntheticTraceConfig()
        config.seed = seed
        config.trainQuadruples = trainQuadruples
        config.evalInDomain = evalInDomain
        config.evalOutOfDomain = evalOutOfDomain
        config.maxConstraints = maxConstraints
        config.shardSize = shardSize
        let manifest: SyntheticManifest
        do { manifest = try SyntheticTrace.generate(config).write(to: URL(fileURLWithPath: out)) } catch {
            throw CLIError(code: .failure, message: "\(error)")
        }
        if output.json { try Output.printJSON(manifest); return }
        let c = manifest.counts
        print("wrote \(out): \(c.trainQuadruples) quadruples (\(c.sftExamples) SFT, \(c.dpoPairs) DPO), \(c.evalInDomain) in-domain and \(c.evalOutOfDomain) out-of-domain eval")
    }
}
