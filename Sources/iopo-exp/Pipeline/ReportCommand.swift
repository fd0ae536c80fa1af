import ArgumentParser
import Basics
import Foundation
import Lineage
import Pipeline

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML report of runs: tables, curves, breakdowns, diff, lineage, environment.",
        discussion: """
            Targets: a run (id, prefix, last, last~N), a group (g… id: a --seeds run or a sweep), or \
            several runs. The file inlines its styles, data, the charting library (Chart.js \
            \(ChartLibrary.version), Debian's libjs-chart.js, checked against its pinned SHA-256) and \
            the lineage drawn by Graphviz, so it opens offline in any browser. Two runs get a diff. \
            --json writes the data behind every chart and table instead.
            """)
    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "Runs or groups to report.") var targets: [String]
    @Flag(help: "With one run: report its whole group (its seeds).") var group = false
    @Option(help: "The HTML file to write (replaced atomically).") var out: String?
    @Flag(help: "Write the report's data as JSON (to --out, or standard output).") var json = false
    @Option(help: "Published numbers to use instead of the runs' recorded ones (paper_results.toml).") var paper: String?

    func validate() throws {
        if targets.isEmpty { throw ValidationError("name a run or a group to report") }
        if out == nil && !json { throw ValidationError("give --out report.html (or --json for the data)") }
    }

    func run() throws {
        let text = try PipelineCLI.mapErrors { () throws -> String in
            let lineage = try storeOptions.openLineage()
            let runs = try RunSelection.resolveAll(lineage, targets, wholeGroup: group)
            let data = try ReportData.build(lineage: lineage, registry: PipelineCLI.registry(), runs: runs, paper: paper.map { URL(fileURLWithPath: $0) })
            if json { return try ReportHTML.json(data) }
            return try ReportHTML.render(data, library: try ChartLibrary.load(), toolVersion: PipelineCLI.engineVersion)
        }
        guard let out else {
            PipelineCLI.write(text)
            return
        }
        do {
            try AtomicFile.write(Array(text.utf8), to: out)
        } catch {
            throw CLIError(code: .failure, message: "cannot write \(out): \(error)")
        }
        print("wrote \(out) (\(text.utf8.count / 1024) KiB)")
    }
}
