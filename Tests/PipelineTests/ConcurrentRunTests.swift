import Foundation
import Pipeline
import Testing

/// Two `run`s of the same experiment at once compute each step once: the second waits for the
/// first's claim on the step's key and takes the result from the cache. The step is held open
/// by a file the test creates, so the interleaving is fixed, not left to timing.
@Suite(.serialized) struct ConcurrentRunTests {
    static func experiment(_ directory: URL) -> String {
        """
        [experiment]
        name = "concurrent"
        [steps.slow]
        kind = "command"
        argv = ["sh", "-c", "touch \(directory.path)/started.$$; while [ ! -f \(directory.path)/go ]; do sleep 0.05; done; echo done > {outputs.out}"]
        outputs = ["out"]
        [steps.after]
        kind = "command"
        argv = ["sh", "-c", "cat {inputs.x} > {outputs.out}"]
        inputs = { x = "slow.out" }
        outputs = ["out"]
        """
    }

    func started(_ sandbox: Sandbox) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: sandbox.directory.path)) ?? []).filter { $0.hasPrefix("started.") }
    }

    func contents(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    struct WaitTimedOut: Error, CustomStringConvertible {
        var what: String
        var description: String { "gave up waiting for \(what)" }
    }

    /// Waits for a condition another process brings about (not a timing assertion).
    func waitFor(_ what: String, within seconds: Double = 300, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() > deadline { throw WaitTimedOut(what: what) }
            usleep(20_000)
        }
    }

    @Test func theSecondRunWaitsForTheFirstAndReusesItsResult() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let cli = CLIRun(directory: sandbox.directory)
        try sandbox.write(Self.experiment(sandbox.directory), to: "exp.toml")

        let first = try cli.start(["run", "exp.toml", "--json"], stdout: sandbox.path("first.json"), stderr: sandbox.path("first.err"))
        try waitFor("the first run to start its step") { started(sandbox).count == 1 }
        let second = try cli.start(["run", "exp.toml"], stdout: sandbox.path("second.out"), stderr: sandbox.path("second.err"))
        try waitFor("the second run to wait for the claim") { contents(sandbox.path("second.out")).contains("step slow: waiting for another process") }
        #expect(started(sandbox).count == 1, "the second run started the step itself")

        try sandbox.write("", to: "go")
        first.waitUntilExit()
        second.waitUntilExit()
        #expect(first.terminationStatus == 0, "\(contents(sandbox.path("first.err")))")
        #expect(second.terminationStatus == 0, "\(contents(sandbox.path("second.err")))")
        #expect(started(sandbox).count == 1, "the step was computed \(started(sandbox).count) times")

        func statuses(_ file: String) throws -> [String: String] {
            let runs = try #require(try JSONSerialization.jsonObject(with: Data(contents(sandbox.path(file)).utf8)) as? [[String: Any]])
            let steps = runs.first?["steps"] as? [[String: Any]] ?? []
            return Dictionary(uniqueKeysWithValues: steps.map { ($0["name"] as! String, $0["status"] as! String) })
        }
        #expect(try statuses("first.json") == ["slow": "succeeded", "after": "succeeded"])
        let secondOutput = contents(sandbox.path("second.out"))
        #expect(secondOutput.contains("step slow [command] cached") && secondOutput.contains("step after [command] cached"), "\(secondOutput)")
        // The claims went with the runs.
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("store/claims").path))
    }

    @Test func aClaimOfAKilledRunIsReleasedWithItsProcess() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let cli = CLIRun(directory: sandbox.directory)
        try sandbox.write(Self.experiment(sandbox.directory), to: "exp.toml")
        let first = try cli.start(["run", "exp.toml"])
        try waitFor("the first run to start its step") { started(sandbox).count == 1 }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        // The step's shell outlives its killed parent; let it finish so it does not linger.
        try sandbox.write("", to: "go")
        let again = try cli(["run", "exp.toml"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stdout.contains("waiting for another process"), "\(again.stdout)")
    }
}
