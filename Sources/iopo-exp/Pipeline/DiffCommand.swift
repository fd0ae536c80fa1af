import ArgumentParser
import Foundation
import Lineage
import Pipeline
import Store

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "What changed between two runs: params, metrics, artifacts, git, environment.")
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var format: ReportFormatOptions
    @Argument(help: "Run A: id, unique prefix, last or last~N.") var a: String
    @Argument(help: "Run B.") var b: String
    @Flag(help: "Show unchanged values too.") var all = false
    @Flag(help: "Add curve summaries (points, first, last, min, max).") var curves = false

    func validate() throws {
        if format.format == .latex { throw ValidationError("--latex is for tables; use --md or --csv") }
    }

    func run() throws {
        let textFormat = format.format
        let lineage = try storeOptions.openLineage()
        let runA = try lineage.resolveRun(a), runB = try lineage.resolveRun(b)
        let diff = RunDiff.compute(try lineage.details(of: runA.id), try lineage.details(of: runB.id), curves: curves,
                                   patchFiles: RunDiff.patchFiles(in: lineage.store))
        if output.json {
            try Output.printJSON(all ? diff : diff.onlyChanged)
            return
        }
        switch textFormat {
        case .markdown: PipelineCLI.write(RunDiffRendering.markdown(diff, all: all))
        case .csv: PipelineCLI.write(RunDiffRendering.csv(diff, all: all))
        default: PipelineCLI.write(RunDiffRendering.text(diff, all: all))
        }
    }
}
