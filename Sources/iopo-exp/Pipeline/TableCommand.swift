import ArgumentParser
import Foundation
import Lineage
import Pipeline

struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "The paper's Tables 3 and 4 from a run or a seed group: our values beside the published ones, with the headline arithmetic.",
        discussion: """
            Rows and columns come from the run's table step. Over a group (a g… id, or a run with \
            --group), or several runs of one experiment named one by one (seeds run apart, or \
            imported from bundles), cells are mean ± standard deviation over seeds, with their number.
            """)
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var format: ReportFormatOptions
    @Argument(help: "Runs (id, prefix, last, last~N) or group ids, of one experiment.") var targets: [String]
    @Flag(help: "Tabulate the whole seed group of the run given.") var group = false
    @Option(help: "The table step to use when the experiment has several.") var step: String?
    @Option(help: "Published numbers to use instead of the run's recorded ones (paper_results.toml).") var paper: String?

    func validate() throws {
        if targets.isEmpty { throw ValidationError("name a run or a group to tabulate") }
    }

    func run() throws {
        let textFormat = format.format
        let report = try PipelineCLI.mapErrors {
            let lineage = try storeOptions.openLineage()
            let runs = try RunSelection.resolveAll(lineage, targets, wholeGroup: group)
            return try RunTables.report(lineage: lineage, registry: PipelineCLI.registry(), runs: runs, tableStep: step,
                                        paperOverride: try paper.map { try PaperResults.load(URL(fileURLWithPath: $0)) })
        }
        if output.json { PipelineCLI.write(try TableRendering.json(report)); return }
        PipelineCLI.write(TableRendering.render(report, as: textFormat))
    }
}
