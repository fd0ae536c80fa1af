import ArgumentParser
import Foundation
import Lineage
import Pipeline

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add the runs of a bundle written by `export` to this store.",
        discussion: """
            Every object is checked against its id before it is stored; then the runs the store \
            does not have yet are recorded in one transaction (importing twice changes nothing). \
            The objects the bundle left out (weights) are recorded as absent: `store verify` \
            counts them apart from lost objects, and a later `run` recomputes them where needed. \
            Imported runs keep their ids, groups and seeds, and carry the param imported_from.
            """)
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The bundle directory.") var bundle: String

    func run() throws {
        let report = try PipelineCLI.mapErrors {
            try storeOptions.openLineage(.write).importRuns(from: URL(fileURLWithPath: bundle))
        }
        if output.json { try Output.printJSON(report); return }
        print("imported \(report.imported.count) run(s) from \(bundle)\(report.alreadyPresent.isEmpty ? "" : " (\(report.alreadyPresent.count) already present)"): "
              + "\(report.objectsAdded) of \(report.objectsCarried) objects new, \(report.absent) left out by the export")
        for id in report.imported { print("  \(id)") }
    }
}
