import ArgumentParser
import Foundation
import Lineage

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List runs, newest first.")
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Only runs of this experiment.") var experiment: String?
    @Option(help: "Only runs with this status (running, succeeded, failed, interrupted).") var status: String?
    @Option(help: "At most this many runs.") var limit: Int?

    func run() throws {
        var statusFilter: RunRecord.Status?
        if let status {
            guard let parsed = RunRecord.Status(rawValue: status) else { throw CLIError.invalid("--status \(status): use running, succeeded, failed or interrupted") }
            statusFilter = parsed
        }
        let lineage = try storeOptions.openLineage()
        let runs = try lineage.runs(experiment: experiment, status: statusFilter, limit: limit)
        if output.json { try Output.printJSON(runs); return }
        for run in runs {
            print("\(run.id)  \(run.status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0))  \(Output.date(run.startedAt))  \(run.experiment)/\(run.name)\(run.seed.map { " seed=\($0)" } ?? "")")
        }
    }
}
