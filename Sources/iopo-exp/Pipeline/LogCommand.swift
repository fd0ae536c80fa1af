import ArgumentParser
import Foundation
import Lineage
import Pipeline

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "A run's metric curves as text (loss, rewards, … per step).")
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Run id, unique prefix, last or last~N.") var runName: String
    @Option(help: "Only this metric (key, step/key or step.key).") var metric: String?

    func run() throws {
        let lineage = try storeOptions.openLineage()
        let details = try lineage.details(of: try lineage.resolveRun(runName).id)
        let curves = MetricCurve.curves(details, filter: metric)
        if output.json { try Output.printJSON(curves); return }
        if curves.isEmpty {
            let available = Set(MetricCurve.curves(details, filter: nil).map { "\($0.step)/\($0.key)" }).sorted()
            if let metric {
                throw CLIError.invalid("run \(details.run.id) has no curve \"\(metric)\"" + (available.isEmpty ? "" : "; curves: \(available.joined(separator: ", "))"))
            }
            print("run \(details.run.id) recorded no curves")
            return
        }
        PipelineCLI.write(curves.map(\.text).joined(separator: "\n"))
    }
}
