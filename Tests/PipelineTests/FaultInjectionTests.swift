import Basics
import Foundation
import Store
import TestKit
import Testing

/// SIGKILL of `iopo-exp run` at random moments, with `store gc --apply` (grace 0) between some of
/// the kills: after every kill the store and the lineage database verify, and the run that finally
/// finishes produces exactly the published output ids of the tiny experiment (its lock). How many
/// kills: `IOPO_FAULT_KILLS` (default 10; `scripts/fault-injection.sh 50` runs 50); the moments
/// come from `IOPO_FAULT_SEED` (default 1), so a failure can be rerun with the same schedule.
@Suite(.serialized) struct FaultInjectionTests {
    static var kills: Int { Int(ProcessInfo.processInfo.environment["IOPO_FAULT_KILLS"] ?? "") ?? 10 }
    static var seed: UInt64 { UInt64(ProcessInfo.processInfo.environment["IOPO_FAULT_SEED"] ?? "") ?? 1 }

    /// Starts `iopo-exp ARGS` as the leader of a new process group, so that one kill reaches
    /// anything it started.
    func startInOwnGroup(_ cli: CLIRun, _ arguments: [String], log: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = [IopoExpBinary.path] + arguments
        process.currentDirectoryURL = cli.directory
        process.environment = ProcessRunner.environment([:])
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    @Test func killedRunsLeaveVerifiableRecordsAndTheLastRunMatchesTheLock() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/setsid"), "needs setsid (util-linux)")
        // Not a `Sandbox`: its open store would hold the lock that gc and the writers' debris
        // sweep need to see free.
        let work = TemporaryDirectory(prefix: "iopo-fault")
        let directory = work.url
        try ObjectStore.initialize(at: directory.appendingPathComponent("store"))
        let cli = CLIRun(directory: directory)
        func path(_ name: String) -> URL { work.file(name) }
        func read(_ name: String) -> String { work.read(name) }
        try FileManager.default.copyItem(at: EngineStepsEndToEndTests.tinyExperiment, to: path("exp.toml"))
        try FileManager.default.copyItem(at: EngineStepsEndToEndTests.tinyLock, to: path("exp.lock"))
        try FileManager.default.copyItem(at: TableTests.paperFile, to: path("paper_results.toml"))
        // gc takes every unreferenced object at once, the harshest setting.
        let configURL = path("store/config.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        config["gc_grace_seconds"] = 0
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)

        var random = SplitMix64(seed: FaultInjectionTests.seed)
        let log = path("runs.log")
        var landed = 0
        var finishedEarly = 0
        // Once a run has finished, everything is cached: later runs force every step, so each
        // kill still lands in real work.
        var forced = false
        for attempt in 0..<FaultInjectionTests.kills {
            // Between 0.02 s (before the store is open) and 1.2 s (an uninterrupted run of the
            // tiny experiment takes about 1 s on one core).
            let delay = 0.02 + Double(random.next() % 1180) / 1000
            let process = try startInOwnGroup(cli, ["run", "exp.toml"] + (forced ? ["--force"] : []), log: log)
            let deadline = Date().addingTimeInterval(delay)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning {
                kill(-process.processIdentifier, SIGKILL)
                landed += 1
            } else {
                finishedEarly += 1
            }
            process.waitUntilExit()
            if process.terminationReason == .exit {
                #expect(process.terminationStatus == 0, "run \(attempt) failed on its own:\n\(read("runs.log").suffix(4000))")
                forced = true
            }
            // Every kill leaves a store whose objects hash to their ids, whose references resolve,
            // and whose database passes SQLite's checks.
            let verify = try cli(["store", "verify", "--deep"])
            #expect(verify.status == 0, "after kill \(attempt) (at \(delay)s): \(verify.stdout)\n\(verify.stderr)")
            if random.next() % 3 == 0 {
                let gc = try cli(["store", "gc", "--apply"])
                #expect(gc.status == 0, "gc after kill \(attempt): \(gc.stderr)")
                let again = try cli(["store", "verify", "--deep"])
                #expect(again.status == 0, "after gc following kill \(attempt): \(again.stdout)\n\(again.stderr)")
            }
        }
        #expect(landed > 0, "no kill landed while a run was alive (\(finishedEarly) runs finished first)")

        // The run that is let finish resumes what the killed ones left and reproduces the lock.
        let final = try cli(["run", "exp.toml"])
        #expect(final.status == 0, "\(final.stdout)\n\(final.stderr)\n--- killed runs ---\n\(read("runs.log").suffix(4000))")
        #expect(final.stdout.contains("outputs match the lock"), "\(final.stdout)")
        let verify = try cli(["store", "verify", "--deep"])
        #expect(verify.status == 0, "\(verify.stdout)\n\(verify.stderr)")
        // No debris: the next writer cleared the killed writers' temporary files, and the final
        // run removed the scratch directories of the runs it found interrupted.
        let tmp = (try? FileManager.default.contentsOfDirectory(atPath: path("store/tmp").path)) ?? []
        #expect(tmp.isEmpty, "temporary files left: \(tmp)")
        let scratch = (try? FileManager.default.contentsOfDirectory(atPath: path("store/scratch").path)) ?? []
        #expect(scratch.isEmpty, "scratch directories left: \(scratch)")
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(try cli(["runs", "--json"]).stdout.utf8)) as? [[String: Any]])
        let statuses = runs.compactMap { $0["status"] as? String }
        #expect(statuses.first == "succeeded", "\(statuses)")
        #expect(!statuses.contains("running"), "a killed run is still marked running: \(statuses)")
        print("fault injection: \(landed) kills landed, \(finishedEarly) runs finished before their kill, seed \(FaultInjectionTests.seed)")
    }
}
