import ArgumentParser
import Foundation
import Lineage
import Pipeline

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List runs, newest first; with --params and --metrics, a table of what differs and what came out.",
        discussion: """
            --params adds a column for every param whose value differs between the listed runs, \
            named as `run --set` takes it (steps.iopo.beta, engine.threads). --metrics adds the \
            runs' final metrics, named STEP/KEY (eval_iopo/in_domain/isr); --metric PATTERN \
            (repeatable) keeps only the columns that are PATTERN or end with /PATTERN. --sort-by \
            orders the rows by one metric column, highest first (--ascending for lowest first).
            """)
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Only runs of this experiment.") var experiment: String?
    @Option(help: "Only runs with this status.") var status: RunRecord.Status?
    @Option(help: "Only the runs of this group (a g… id or prefix; a sweep's or a --seeds run's).") var group: String?
    @Option(help: "At most this many runs.") var limit: Int?
    @Flag(help: "Add a column for each param that differs between the listed runs.") var params = false
    @Flag(help: "Add the runs' final metrics as columns.") var metrics = false
    @Option(name: .customLong("metric"), help: "Only the metric columns matching this (repeatable; implies --metrics).") var metricPatterns: [String] = []
    @Option(help: "Sort by this metric column (its whole name or its end, e.g. in_domain/isr).") var sortBy: String?
    @Flag(help: "With --sort-by: lowest first.") var ascending = false
    @Flag(help: "With --params or --metrics: the table's format (JSON is --json).") var format: TableRendering.Format = .text

    var isTable: Bool { params || metrics || !metricPatterns.isEmpty || sortBy != nil }

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if ascending && sortBy == nil { throw ValidationError("--ascending orders --sort-by; give --sort-by METRIC") }
        if format == .latex { throw ValidationError("--latex is for `table`; runs prints --text, --md, --csv or --json") }
        if format != .text && !isTable { throw ValidationError("--md and --csv format the table of --params or --metrics; add one of them") }
    }

    func run() throws {
        let lineage = try storeOptions.openLineage()
        var runs = try PipelineCLI.mapErrors { () throws -> [RunRecord] in
            if let group { return try RunSelection.resolveGroup(lineage, group).sorted { $0.startedAt < $1.startedAt } }
            return try lineage.runs(experiment: experiment, status: status, limit: nil)
        }
        if group != nil {
            if let experiment { runs = runs.filter { $0.experiment == experiment } }
            if let status { runs = runs.filter { $0.status == status } }
        }
        if let limit { runs = Array(runs.prefix(limit)) }

        guard isTable else {
            if output.json { try Output.printJSON(runs); return }
            for run in runs {
                print("\(run.id)  \(run.status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0))  \(Output.date(run.startedAt))  \(run.experiment)/\(run.name)\(run.seed.map { " seed=\($0)" } ?? "")")
            }
            return
        }
        // --sort-by alone shows the column it sorts by.
        let patterns: [String]? = !metricPatterns.isEmpty ? metricPatterns : (metrics ? [] : sortBy.map { [$0] })
        let options = RunsTable.Options(params: params, metrics: patterns, sortBy: sortBy, ascending: ascending)
        let table = try PipelineCLI.mapErrors { try RunsTable.build(lineage: lineage, runs: runs, options: options) }
        if output.json { try Output.printJSON(table); return }
        switch format {
        case .csv: PipelineCLI.write(table.csv)
        case .markdown: PipelineCLI.write(table.text(markdown: true))
        default: PipelineCLI.write(table.text(markdown: false))
        }
    }
}

extension RunRecord.Status: ExpressibleByArgument {}
