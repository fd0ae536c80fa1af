import Foundation
import Lineage
import Pipeline
import Store
import Synchronization
import Testing

/// `store gc` beside a run, at the one moment that used to lose data: a step's outputs are in
/// the store, its lineage row is not written yet, and the store holds old unreferenced copies of
/// exactly those outputs (left by an earlier, deleted run), so the run's writes deduplicate onto
/// objects that look like garbage.
@Suite struct GCInterleavingTests {
    /// Runs gc from inside the run, once per step, in the window between storing and recording.
    final class GCInTheWindow: RunReporter {
        let root: URL
        let lineage: LineageDatabase
        /// Per step: what gc did (`nil` report when it could not take the lock).
        let attempts = Mutex<[(step: String, outputs: [ObjectID], error: String?)]>([])

        init(root: URL, lineage: LineageDatabase) {
            self.root = root
            self.lineage = lineage
        }

        func stepOutputsStored(_ step: String, outputs: [String: ArtifactRef]) {
            let ids = outputs.values.compactMap { try? ObjectID(parsing: $0.id) }
            var failure: String?
            do {
                // What `iopo-exp store gc --apply` does, with a short wait for the lock.
                let store = try ObjectStore(root: root, access: .read)
                _ = try store.collectGarbage(roots: { try lineage.referencedObjects() }, apply: true, lockTimeout: 0.3)
            } catch {
                failure = "\(error)"
            }
            attempts.withLock { $0.append((step, ids, failure)) }
        }

        func runStarted(runID: String, experiment: String, seed: Int, steps: Int) {}
        func stepStarted(_ step: String, kind: String) {}
        func stepProgress(_ step: String, _ update: ProgressUpdate) {}
        func stepFinished(_ step: String, kind: String, status: StepStatus, seconds: Double, detail: String?) {}
        func runFinished(runID: String, status: RunRecord.Status, seconds: Double, executed: Int, cached: Int) {}
        func message(_ text: String) {}
    }

    let experiment = """
        [experiment]
        name = "gc-window"

        [steps.a]
        kind = "test-only"
        text = "A"

        [steps.b]
        kind = "test-only"
        text = "B"
        data = "a.out"

        """

    /// Copies the objects of `ids` from one store into another, dated two days back.
    func plantOldCopies(of ids: [ObjectID], from source: ObjectStore, into target: ObjectStore) throws {
        let old = Date().addingTimeInterval(-2 * 86_400)
        for id in ids {
            let destination = target.path(of: id)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source.path(of: id), to: destination)
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: destination.path)
        }
    }

    @Test func gcBetweenStoringAndRecordingRemovesNothingTheRunNeeds() throws {
        // A first store computes the outputs, so their objects can be planted as old orphans.
        let reference = try Sandbox(); defer { reference.cleanup() }
        let first = try #require(try reference.runner().run(try reference.parse(experiment), options: reference.options()).first)
        let outputIDs = try first.steps.flatMap { try $0.outputs.values.map { try ObjectID(parsing: $0) } }
        #expect(outputIDs.count == 2)

        // The store under test is opened for writing only by the run below, so that nothing but
        // the run can hold its lock.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iopo-gc-window-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let root = directory.appendingPathComponent("store")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try ObjectStore.initialize(at: root)
        try plantOldCopies(of: outputIDs, from: reference.store, into: try ObjectStore(root: root, access: .read))
        func collect(apply: Bool) throws -> GCReport {
            let lineage = try LineageDatabase(store: try ObjectStore(root: root, access: .read))
            return try lineage.store.collectGarbage(roots: { try lineage.referencedObjects() }, apply: apply, lockTimeout: 5)
        }
        // Without a run, gc would take them: they are old and nothing references them.
        #expect(Set(try collect(apply: false).unreachable) == Set(outputIDs))

        let (run, attempts) = try {
            let lineage = try LineageDatabase(store: try ObjectStore(root: root, access: .write))
            let reporter = GCInTheWindow(root: root, lineage: lineage)
            var options = RunOptions(engineVersion: "test 1")
            options.gitDirectory = directory
            let runner = PipelineRunner(lineage: lineage, registry: reference.registry, reporter: reporter)
            let spec = try ExperimentParser(registry: reference.registry).parse(contentsOf: reference.path("exp.toml").path)
            let run = try #require(try runner.run(spec, options: options).first)
            return (run, reporter.attempts.withLock { $0 })
        }()
        #expect(run.steps.map(\.status) == [.succeeded, .succeeded])

        // gc was attempted in the window of both steps and could not take the store: the run
        // holds it shared until its references are recorded.
        #expect(attempts.map(\.step) == ["a", "b"])
        for attempt in attempts {
            let error = try #require(attempt.error, "gc ran while step \(attempt.step) was between storing and recording")
            #expect(error.contains("lock"), "\(error)")
        }

        // The run's writes deduplicated onto the planted copies and refreshed them.
        let store = try ObjectStore(root: root, access: .read)
        for id in outputIDs {
            let modified = try #require(try FileManager.default.attributesOfItem(atPath: store.path(of: id).path)[.modificationDate] as? Date)
            #expect(Date().timeIntervalSince(modified) < 3_600, "\(id) still looks old after the run stored it")
        }

        // With the run finished, gc runs, keeps everything referenced, and the run's outputs read back.
        #expect(try collect(apply: true).unreachable.isEmpty)
        for step in run.steps {
            for id in step.outputs.values {
                #expect(!(try store.content(of: try ObjectID(parsing: id))).isEmpty)
            }
        }
        let lineage = try LineageDatabase(store: store)
        let verified = try store.verify(deep: true, roots: try lineage.referencedObjects())
        #expect(verified.corrupt.isEmpty && verified.missing.isEmpty && verified.dangling.isEmpty)
    }
}
