import ArgumentParser
import Foundation
import Store

struct StoreVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Re-hash every object; report corrupt, missing and dangling objects (exit 3 when not clean).")
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "Also parse every chunk list and manifest and check what they reference, and report objects nothing reaches.")
    var deep = false

    func run() throws {
        let lineage = try storeOptions.openLineage()
        // Objects an export left out of imported runs (weights) are absent by design, not lost.
        let leftOut = try lineage.objectsLeftOut()
        let roots = deep ? try lineage.referencedObjects().filter { leftOut[$0.description] == nil } : nil
        let report = try lineage.store.verify(deep: deep, roots: roots)
        let databaseProblems = try lineage.integrityProblems()
        if output.json { try Output.printJSON(Report(store: report, lineageProblems: databaseProblems)) } else {
            print("checked \(report.checkedObjects) objects: \(report.corrupt.count) corrupt, \(report.missing.count) missing\(deep ? ", \(report.dangling.count) dangling (unreferenced)" : "")")
            for problem in report.corrupt { print("corrupt  \(problem.id)  \(problem.detail)") }
            for problem in report.missing { print("missing  \(problem.id)  \(problem.detail)") }
            for id in report.dangling { print("dangling \(id)") }
            if deep && !leftOut.isEmpty { print("\(leftOut.count) objects named by imported runs were left out by their export (weights), as recorded") }
            if report.temporaryFiles > 0 { print("\(report.temporaryFiles) temporary files left by interrupted writers (gc removes them)") }
            print("lineage database \(lineage.path): \(databaseProblems.isEmpty ? "intact" : "\(databaseProblems.count) problems")")
            for problem in databaseProblems { print("lineage  \(problem)") }
        }
        if !report.isClean { throw CLIError(code: .corruptStore, message: "the store is not intact") }
        if !databaseProblems.isEmpty { throw CLIError(code: .corruptStore, message: "the lineage database \(lineage.path) is not intact") }
    }

    /// `--json`: the store's report, with the database's problems as one more field.
    struct Report: Encodable {
        var store: VerifyReport
        var lineageProblems: [String]

        enum Key: String, CodingKey { case lineageProblems }

        func encode(to encoder: any Encoder) throws {
            try store.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(lineageProblems, forKey: .lineageProblems)
        }
    }
}
