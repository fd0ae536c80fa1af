import ArgumentParser
import Foundation
import Lineage
import Pipeline

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write runs as a bundle another store can import: records and artifacts, without weights.",
        discussion: """
            The bundle is a new directory: bundle.json (the runs' records: steps, keys, params, \
            metrics, environment, git) and objects/ (each artifact's stored file, checked against \
            its id on import). Left out, and listed with the reason: the outputs of train steps \
            (weights and checkpoints; replay --check recomputes and compares them) and anything \
            larger than --max-mib (a base model), and what --leave-out names (a dataset that must \
            not travel). What stays in is what table, report and diff need, so results move \
            between machines, or into git, without the weights. replay --check of an imported run \
            recomputes the weights; inputs from outside the run that were left out go back in \
            with `store add` (the same bytes give the same id).
            """)
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Runs or groups to export (id, prefix, last, last~N, g… group).") var targets: [String]
    @Flag(help: "With one run: export its whole group (its seeds).") var group = false
    @Option(help: "The bundle directory to create (must not exist).") var out: String
    @Option(help: "Leave out artifacts larger than this many MiB.") var maxMib = ExportPolicy.defaultMaxBytes >> 20
    @Option(name: .customLong("leave-out"), help: "Also leave out what steps recorded under this input or output name (repeatable; `ifeval` matches data.ifeval).")
    var leaveOutNames: [String] = []

    func validate() throws {
        if targets.isEmpty { throw ValidationError("name a run or a group to export") }
        if maxMib < 0 { throw ValidationError("--max-mib must be at least 0") }
    }

    func run() throws {
        let bundle = try PipelineCLI.mapErrors { () throws -> RunBundle in
            let lineage = try storeOptions.openLineage()
            let runs = try RunSelection.resolveAll(lineage, targets, wholeGroup: group)
            let policy = ExportPolicy(maxBytes: maxMib << 20, names: Set(leaveOutNames))
            return try lineage.exportRuns(runs.map(\.id), to: URL(fileURLWithPath: out), writer: PipelineCLI.engineVersion,
                                          leaveOut: { policy.reasonToLeaveOut($0, name: $1, producer: $2) })
        }
        if output.json { try Output.printJSON(Summary(bundle, directory: out)); return }
        let bytes = bundle.objects.reduce(0) { $0 + $1.fileBytes }
        print("exported \(bundle.runs.count) run(s) to \(out): \(bundle.objects.count) objects (\(Output.bytes(bytes)))")
        for absent in bundle.absent {
            print("  left out \(absent.id.prefix(19))  \(absent.name)  \(Output.bytes(absent.size))  \(absent.reason)")
        }
    }

    struct Summary: Encodable {
        var directory: String
        var runs: [String]
        var objects: Int
        var objectBytes: Int
        var absent: [RunBundle.AbsentObject]

        init(_ bundle: RunBundle, directory: String) {
            self.directory = directory
            runs = bundle.runs.map(\.run.id)
            objects = bundle.objects.count
            objectBytes = bundle.objects.reduce(0) { $0 + $1.fileBytes }
            absent = bundle.absent
        }

        enum CodingKeys: String, CodingKey { case directory, runs, objects, absent; case objectBytes = "object_bytes" }
    }
}
