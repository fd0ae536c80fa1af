import ArgumentParser
import Foundation
import Trace

struct DataStats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Distribution by constraint type, dimension and count of a TRACE-format file (real or synthetic).")

    @Argument(help: "A TRACE evaluation JSONL, a training file (JSON list or JSONL), or a synthetic shard.") var file: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        let stats: DatasetStats
        do { stats = try DatasetStats.load(file: URL(fileURLWithPath: file)) } catch {
            throw CLIError.invalid("\(error)")
        }
        if output.json { try Output.printJSON(stats); return }
        print(stats.report, terminator: stats.report.hasSuffix("\n") ? "" : "\n")
    }
}
