import ArgumentParser
import Foundation
import Lineage
import Pipeline

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-execute every step of a recorded run from the store and compare its outputs with the recorded ones.",
        discussion: """
            Uses the stored experiment file and each step's recorded inputs, never the working tree, and \
            runs in a scratch directory. With --check, exits 5 when any output or metric differs. \
            Differences between the recorded and the current environment are reported first.
            """)
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Run id, unique prefix, last or last~N.") var runName: String
    @Flag(help: "Exit 5 unless every step is identical.") var check = false
    @Flag(help: "Keep the replay's scratch directories.") var keepScratch = false

    func run() throws {
        let report: ReplayReport = try PipelineCLI.mapErrors {
            let lineage = try storeOptions.openLineage(.write)
            let run = try lineage.resolveRun(runName)
            let replayer = Replayer(lineage: lineage, registry: PipelineCLI.registry(), reporter: PipelineCLI.reporter(json: output.json))
            let spec = try replayer.storedSpec(of: run)
            try BLASPinning.ensure(blas: spec.engine.blas, threads: spec.engine.threads)
            if !output.json {
                let details = try lineage.details(of: run.id)
                let differences = Replayer.environmentDifferences(recorded: details.environment,
                                                                  current: EnvironmentSnapshot.capture(toolVersion: PipelineCLI.engineVersion))
                if differences.isEmpty {
                    print("environment: same as recorded (kernel family, threads, CPU flags, tool version)")
                } else {
                    print("environment differs from the recorded run; outputs may differ for that reason:")
                    for d in differences { print("  \(d.field): recorded \(d.recorded), now \(d.current)") }
                }
                print("replaying run \(run.id) (\(run.experiment), seed \(run.seed.map(String.init) ?? "-"))")
            }
            return try replayer.replay(runID: run.id, engineVersion: PipelineCLI.engineVersion, keepScratch: keepScratch)
        }
        if output.json {
            try Output.printJSON(report)
        } else {
            for step in report.steps {
                print("\(step.status.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(step.name) [\(step.kind)]\(step.note.map { "  \($0)" } ?? "")")
                for comparison in step.outputs where !comparison.identical {
                    print("    output \(comparison.name): recorded \(comparison.recorded ?? "-"), replayed \(comparison.replayed ?? "-")\(comparison.firstDifference.map { "; \($0)" } ?? "")")
                }
                for delta in step.metrics {
                    let at = delta.index.map { " (first at index \($0), \(delta.differingPoints) points differ, largest |Δ| \(delta.delta.map { "\($0)" } ?? "-"))" } ?? " (Δ \(delta.delta.map { "\($0)" } ?? "-"))"
                    print("    metric \(delta.key): recorded \(delta.recorded.map { "\($0)" } ?? "-"), replayed \(delta.replayed.map { "\($0)" } ?? "-")\(at)")
                }
            }
            let compared = report.steps.filter { $0.status != .notCompared }
            let different = compared.filter { $0.status != .identical }
            print(different.isEmpty ? "all \(compared.count) replayed steps are identical" : "\(different.count) of \(compared.count) replayed steps differ")
        }
        if check && !report.identical {
            throw CLIError(code: .checkFailed, message: "replay of run \(report.runID) is not identical: \(report.steps.filter { $0.status == .different || $0.status == .failed }.map(\.name).joined(separator: ", "))")
        }
    }
}
