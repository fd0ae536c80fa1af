import Foundation
import Lineage
@testable import Pipeline
import Testing

/// The lock file's comparison and its bad inputs, without running anything (the end-to-end test
/// runs the tiny experiment against the published lock).
@Suite struct OutputLockTests {
    func step(_ name: String, _ outputs: [String: String], service: Bool = false) -> StepSummary {
        StepSummary(name: name, kind: "test", key: "sha256:k", status: .succeeded, cachedFromRun: nil, seconds: 0, outputs: outputs, isService: service)
    }

    func run(seed: Int, _ steps: [StepSummary]) -> RunSummary {
        RunSummary(runID: "r\(seed)", groupID: "g", experiment: "x", seed: seed, status: .succeeded, seconds: 0, steps: steps)
    }

    let lock = OutputLock(experiment: "x", blas: "haswell", threads: 1,
                          seeds: [1: ["a": ["out": "sha256:aa"], "b": ["out": "sha256:bb", "log": "sha256:b1"]]])

    @Test func everyKindOfDifferenceIsNamed() {
        let same = run(seed: 1, [step("a", ["out": "sha256:aa"]), step("b", ["out": "sha256:bb", "log": "sha256:b1"]), step("serve", [:], service: true)])
        #expect(lock.differences(from: [same]).isEmpty)

        let changed = run(seed: 1, [step("a", ["out": "sha256:a2"]), step("c", ["out": "sha256:cc"])])
        let found = lock.differences(from: [changed])
        #expect(found.map(\.description) == [
            "seed 1, step a, output out: locked sha256:aa, produced sha256:a2",
            "seed 1, step b: in the lock, not produced by this run",
            "seed 1, step c: not in the lock",
        ])
        // With --only, steps the run left out are not differences.
        #expect(lock.differences(from: [changed], onlySomeSteps: true).map(\.kind) == [.output, .stepNotLocked])
        // A seed the lock lacks: every step is unlocked.
        #expect(lock.differences(from: [run(seed: 2, [step("a", ["out": "sha256:aa"])])]).map(\.kind) == [.stepNotLocked])
    }

    @Test func theFileRoundTripsAndBadFilesAreRefusedNamingTheField() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iopo-lock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("x.lock").path
        try lock.write(to: path)
        #expect(try OutputLock.read(from: path) == lock)
        #expect(OutputLock.path(forExperiment: "experiments/x.toml") == "experiments/x.lock")

        let cases: [(String, String)] = [
            ("[1, 2]", "field (top level) must be an object"),
            (#"{"format": 2, "experiment": "x", "engine": {"threads": 1}, "seeds": {}}"#, "field format must be 1"),
            (#"{"format": 1, "experiment": "x", "engine": {"blas": 3, "threads": 1}, "seeds": {}}"#, "field engine.blas must be a string or null"),
            (#"{"format": 1, "experiment": "x", "engine": {"threads": 1}, "seeds": {"one": {}}}"#, "field seeds.one must be"),
            (#"{"format": 1, "experiment": "x", "engine": {"threads": 1}, "seeds": {"1": {"a": {"out": "md5:1"}}}}"#, "field seeds.1.a.out must be an object id"),
            ("{", "not a lock file"),
        ]
        for (text, expected) in cases {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            #expect(throws: PipelineError.self) { try OutputLock.read(from: path) }
            do { _ = try OutputLock.read(from: path) } catch {
                #expect("\(error)".contains(path) && "\(error)".contains(expected), "\(text): \(error)")
            }
        }
        #expect(throws: PipelineError.self) { try OutputLock.read(from: directory.appendingPathComponent("missing.lock").path) }
    }
}
