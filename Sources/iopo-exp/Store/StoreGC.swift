import ArgumentParser
import Foundation
import Store

struct StoreGC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc", abstract: "Remove objects no run, pin or step result reaches (dry run unless --apply).")
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "Delete; without it, only report what would be deleted.") var apply = false
    @Option(help: "Seconds to wait for writers to finish before giving up (exit 4).") var lockTimeout: Double = 10

    func run() throws {
        let lineage = try storeOptions.openLineage()
        let report = try lineage.store.collectGarbage(roots: { try lineage.referencedObjects() }, apply: apply, lockTimeout: lockTimeout)
        if output.json { try Output.printJSON(report); return }
        let verb = apply ? "removed" : "would remove"
        print("\(report.reachable) reachable objects kept; \(verb) \(report.unreachable.count) unreachable objects (\(Output.bytes(report.reclaimedBytes))); \(report.sparedYoung) spared as younger than the grace period")
        print("\(verb) \(report.temporaryFiles.entries) temporary files of killed writers (\(Output.bytes(report.temporaryFiles.bytes))) and \(report.scratchDirectories.entries) run scratch directories (\(Output.bytes(report.scratchDirectories.bytes)))")
        if !apply && (!report.unreachable.isEmpty || report.temporaryFiles.entries + report.scratchDirectories.entries > 0) { print("run with --apply to delete") }
    }
}
