import ArgumentParser
import Foundation
import Lineage
import Pipeline
import Store

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record", abstract: "Record a manual run: params, metrics and artifacts, with git and environment.")
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Run name.") var name: String
    @Option(help: "Experiment the run belongs to.") var experiment = "manual"
    @Option(name: .customLong("param"), help: "A parameter key=value (repeatable).") var params: [String] = []
    @Option(name: .customLong("metric"), help: "A metric key=number (repeatable).") var metrics: [String] = []
    @Option(name: .customLong("artifact"), parsing: .upToNextOption, help: "Files or directories to store as the run's outputs.")
    var artifacts: [String] = []
    @Flag(help: "Refuse to record when the git work tree has uncommitted changes or untracked files.")
    var requireClean = false

    func run() throws {
        let parsedParams = try params.map { try ManualRun.parseAssignment($0, what: "--param") }
        let parsedMetrics = try metrics.map { text -> (String, Double) in
            let (key, value) = try ManualRun.parseAssignment(text, what: "--metric")
            guard let number = Double(value), number.isFinite else { throw CLIError.invalid("--metric \(key): \"\(value)\" is not a finite number") }
            return (key, number)
        }
        let lineage = try storeOptions.openLineage(.write)
        let manual = ManualRun(name: name, experiment: experiment, params: parsedParams, metrics: parsedMetrics,
                               artifactPaths: artifacts, requireClean: requireClean)
        let run = try manual.record(in: lineage, directory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath), toolVersion: IopoExp.version)
        if output.json { try Output.printJSON(run); return }
        print("recorded run \(run.id) (\(run.name))")
    }
}
