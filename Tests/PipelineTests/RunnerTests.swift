import Foundation
@testable import Lineage
import Pipeline
import Store
import Testing

/// The runner in-process, with the test-only kinds: caching, resumption, services, seeds.
@Suite struct RunnerTests {
    /// a → b → c, with c also reading a; every step counts its executions in `counter`.
    func chain(_ sandbox: Sandbox, bText: String = "B", aName: String = "a", extra: String = "") -> String {
        let counter = sandbox.path("counter").path
        return """
            [experiment]
            name = "chain"

            [steps.\(aName)]
            kind = "test-only"
            text = "A"
            counter = "\(counter)"
            curve = 3

            [steps.b]
            kind = "test-only"
            text = "\(bText)"
            data = "\(aName).out"
            counter = "\(counter)"
            \(extra)

            [steps.c]
            kind = "test-only"
            text = "C"
            data = ["\(aName).out", "b.out"]
            counter = "\(counter)"

            """
    }

    func statuses(_ summary: RunSummary) -> [String: String] {
        Dictionary(uniqueKeysWithValues: summary.steps.map { ($0.name, $0.status.rawValue) })
    }

    @Test func runRecordsEverythingThenRerunIsAllCached() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let spec = try sandbox.parse(chain(sandbox))
        let first = try #require(try sandbox.runner().run(spec, options: sandbox.options()).first)
        #expect(statuses(first) == ["a": "succeeded", "b": "succeeded", "c": "succeeded"])
        #expect(sandbox.count("counter", "a") == 1 && sandbox.count("counter", "c") == 1)

        let details = try sandbox.lineage.details(of: first.runID)
        #expect(details.run.status == .succeeded)
        #expect(details.run.specObject != nil)
        let c = try #require(details.steps.first { $0.step.name == "c" })
        #expect(c.inputs.map(\.name) == ["data[0]", "data[1]"])
        let out = try #require(c.outputs.first { $0.name == "out" })
        let text = String(decoding: try sandbox.store.content(of: try ObjectID(parsing: out.artifact.id)), as: UTF8.self)
        #expect(text == "C|A|rate=0.5|B|A|rate=0.5|rate=0.5|rate=0.5")
        #expect(details.metrics.filter { $0.stepName == "a" && $0.key == "loss" }.map(\.index) == [0, 1, 2])
        #expect(details.params.contains { $0.stepName == "b" && $0.key == "text" && $0.value == "B" })
        #expect(details.params.contains { $0.stepName == "b" && $0.key == "exec.note" && $0.value == "ran" })
        #expect(details.params.contains { $0.stepName.isEmpty && $0.key == "engine.version" && $0.value == "test 1" })

        let second = try #require(try sandbox.runner().run(spec, options: sandbox.options()).first)
        #expect(statuses(second) == ["a": "cached", "b": "cached", "c": "cached"])
        #expect(second.steps.allSatisfy { $0.cachedFromRun == first.runID })
        #expect(sandbox.count("counter", "a") == 1 && sandbox.count("counter", "c") == 1)
        #expect(second.steps.map(\.outputs) == first.steps.map(\.outputs))
        #expect(second.steps.map(\.key) == first.steps.map(\.key))
        // Cached steps carry the original's metrics (read through cached_from, not copied: the
        // rerun adds no metric rows) and edges, so reports on the rerun work.
        let again = try sandbox.lineage.details(of: second.runID)
        #expect(again.metrics.filter { $0.stepName == "a" && $0.key == "loss" }.map(\.index) == [0, 1, 2])
        #expect(again.metrics.map { [$0.stepName, $0.key, "\($0.index ?? -1)", "\($0.value)"] }
                == details.metrics.map { [$0.stepName, $0.key, "\($0.index ?? -1)", "\($0.value)"] })
        #expect(again.metrics.allSatisfy { $0.runID == second.runID })
        #expect(again.steps.first { $0.step.name == "c" }?.step.cachedFrom == c.step.id)
        #expect(again.steps.first { $0.step.name == "c" }?.inputs.count == 2)
    }

    @Test func editedParameterRerunsOnlyWhatItAffects() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        _ = try sandbox.runner().run(try sandbox.parse(chain(sandbox)), options: sandbox.options())
        let edited = try #require(try sandbox.runner().run(try sandbox.parse(chain(sandbox, bText: "B2")), options: sandbox.options()).first)
        #expect(statuses(edited) == ["a": "cached", "b": "succeeded", "c": "succeeded"])
        #expect(sandbox.count("counter", "a") == 1 && sandbox.count("counter", "b") == 2 && sandbox.count("counter", "c") == 2)
        // Back to the original value: everything is found in the cache again.
        let back = try #require(try sandbox.runner().run(try sandbox.parse(chain(sandbox)), options: sandbox.options()).first)
        #expect(statuses(back) == ["a": "cached", "b": "cached", "c": "cached"])
        // Writing a default explicitly, or an integer for a number, changes no key.
        let same = try #require(try sandbox.runner().run(try sandbox.parse(chain(sandbox, extra: "rate = 0.5\nseeded = false")), options: sandbox.options()).first)
        #expect(statuses(same)["b"] == "cached")
        let number = try #require(try sandbox.runner().run(try sandbox.parse(chain(sandbox, extra: "rate = 2")), options: sandbox.options()).first)
        let numberAgain = try #require(try sandbox.runner().run(try sandbox.parse(chain(sandbox, extra: "rate = 2.0")), options: sandbox.options()).first)
        #expect(statuses(number)["b"] == "succeeded" && statuses(numberAgain)["b"] == "cached")
        // Renaming a step changes no key: keys hash what inputs are, not who made them.
        let renamed = try #require(try sandbox.runner().run(try sandbox.parse(chain(sandbox, aName: "first")), options: sandbox.options()).first)
        #expect(statuses(renamed) == ["first": "cached", "b": "cached", "c": "cached"])
    }

    /// A lineage database the cache index cannot read is an error, not an empty cache: the
    /// rerun must not quietly execute (and record again) every step it already has.
    @Test func unreadableCacheIndexFailsTheRunInsteadOfReexecuting() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let spec = try sandbox.parse(chain(sandbox))
        _ = try sandbox.runner().run(spec, options: sandbox.options())
        try sandbox.lineage.write { db in try db.execute(sql: "DROP TABLE absent_objects") }
        #expect(throws: (any Error).self) { try sandbox.runner().run(spec, options: sandbox.options()) }
        #expect(sandbox.count("counter", "a") == 1 && sandbox.count("counter", "c") == 1)
        #expect(try sandbox.lineage.runs().count == 1)
    }

    @Test func failedStepFailsTheRunKeepsFinishedWorkAndResumes() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let gate = sandbox.path("gate").path
        let spec = try sandbox.parse(chain(sandbox, extra: "fail_unless = \"\(gate)\""))
        #expect {
            try sandbox.runner().run(spec, options: sandbox.options())
        } throws: { error in
            guard case PipelineError.stepFailed(_, let step, let message, _) = error else { return false }
            return step == "b" && message.contains("told to fail")
        }
        let failed = try #require(try sandbox.lineage.runs().first)
        #expect(failed.status == .failed)
        #expect(failed.error?.contains("step b failed") == true)
        let details = try sandbox.lineage.details(of: failed.id)
        #expect(details.steps.map(\.step.status) == [.succeeded, .failed])
        #expect(details.steps[1].step.error?.contains("told to fail") == true)

        try sandbox.write("ok", to: "gate")
        let resumed = try #require(try sandbox.runner().run(spec, options: sandbox.options()).first)
        #expect(statuses(resumed) == ["a": "cached", "b": "succeeded", "c": "succeeded"])
        #expect(sandbox.count("counter", "a") == 1 && sandbox.count("counter", "b") == 2)
    }

    @Test func seedsMakeOneGroupAndUnseededStepsAreShared() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let counter = sandbox.path("counter").path
        let spec = try sandbox.parse("""
            [experiment]
            name = "seeds"
            seeds = [1, 2]
            [steps.data]
            kind = "test-only"
            text = "D"
            counter = "\(counter)"
            [steps.train]
            kind = "test-only"
            data = "data.out"
            seeded = true
            counter = "\(counter)"

            """)
        let runs = try sandbox.runner().run(spec, options: sandbox.options())
        #expect(runs.count == 2 && runs[0].groupID == runs[1].groupID && runs[0].groupID.hasPrefix("g"))
        #expect(statuses(runs[0]) == ["data": "succeeded", "train": "succeeded"])
        #expect(statuses(runs[1]) == ["data": "cached", "train": "succeeded"])
        #expect(runs[0].steps[1].outputs != runs[1].steps[1].outputs)
        let group = try RunSelection.resolve(sandbox.lineage, runs[0].groupID, wholeGroup: false)
        #expect(group.map(\.seed) == [1, 2])
        var options = sandbox.options()
        options.seeds = [2, 3]
        let more = try sandbox.runner().run(spec, options: options)
        #expect(more.map { statuses($0)["train"] } == ["cached", "succeeded"])
    }

    @Test func serviceStartsOnlyWhenADependentRunsAndKeysNameItsKey() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        func spec(port: Int) throws -> ExperimentSpec {
            try sandbox.parse("""
                [experiment]
                name = "serve"
                [steps.model]
                kind = "test-only"
                text = "weights"
                [steps.serve]
                kind = "test-serve"
                model = "model.out"
                counter = "\(sandbox.path("services").path)"
                port = \(port)
                [steps.eval]
                kind = "test-only"
                endpoint = "serve.endpoint"
                counter = "\(sandbox.path("counter").path)"
                [steps.eval2]
                kind = "test-only"
                text = "2"
                endpoint = "serve"

                """)
        }
        let first = try #require(try sandbox.runner().run(try spec(port: 1), options: sandbox.options()).first)
        #expect(sandbox.read("services") == "start\nstop\n")
        #expect(statuses(first) == ["model": "succeeded", "serve": "succeeded", "eval": "succeeded", "eval2": "succeeded"])
        let eval = try sandbox.lineage.details(of: first.runID).steps.first { $0.step.name == "eval" }!
        let text = String(decoding: try sandbox.store.content(of: try ObjectID(parsing: eval.outputs.first { $0.name == "out" }!.artifact.id)), as: UTF8.self)
        #expect(text.contains("endpoint=test://"))
        #expect(eval.inputs.map(\.name) == ["endpoint/model"])

        let second = try #require(try sandbox.runner().run(try spec(port: 1), options: sandbox.options()).first)
        #expect(statuses(second) == ["model": "cached", "serve": "skipped", "eval": "cached", "eval2": "cached"])
        #expect(sandbox.read("services") == "start\nstop\n")

        // A replay starts the service again for the steps that need it, from its recorded input.
        let replay = try Replayer(lineage: sandbox.lineage, registry: sandbox.registry).replay(runID: first.runID, engineVersion: "test 1")
        #expect(replay.identical && replay.steps.filter { $0.status == .identical }.count == 3)
        #expect(replay.steps.first { $0.name == "serve" }?.status == .notCompared)
        #expect(sandbox.read("services") == "start\nstop\nstart\nstop\n")

        // Another service configuration is another service key, so its dependents run again.
        let third = try #require(try sandbox.runner().run(try spec(port: 2), options: sandbox.options()).first)
        #expect(statuses(third)["eval"] == "succeeded")
        #expect(sandbox.read("services") == "start\nstop\nstart\nstop\nstart\nstop\n")
    }

    @Test func onlyForceAndDryRun() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let spec = try sandbox.parse(chain(sandbox))
        var options = sandbox.options()
        options.only = ["b"]
        let partial = try #require(try sandbox.runner().run(spec, options: options).first)
        #expect(partial.steps.map(\.name) == ["a", "b"])

        let plan = try #require(try sandbox.runner().plan(try sandbox.parse(chain(sandbox, bText: "changed")), options: sandbox.options()).first)
        #expect(plan.steps.map(\.status) == [.cached, .run, .pending])
        #expect(plan.steps[0].key != nil && plan.steps[2].key == nil)
        #expect(plan.steps[0].cachedFromRun == partial.runID)

        options = sandbox.options()
        options.force = .steps(["a"])
        let forced = try #require(try sandbox.runner().run(spec, options: options).first)
        // a runs again, produces the same bytes, so b is still found in the cache.
        #expect(statuses(forced) == ["a": "succeeded", "b": "cached", "c": "succeeded"])
        options.force = .all
        let all = try #require(try sandbox.runner().run(spec, options: options).first)
        #expect(all.steps.allSatisfy { $0.status == .succeeded })
        options.only = ["nope"]
        #expect(throws: PipelineError.self) { try sandbox.runner().run(spec, options: options) }
    }

    @Test func replayInProcessIsIdenticalThenNamesTheDifference() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        try sandbox.write("one\ntwo\n", to: "outside.txt")
        let spec = try sandbox.parse(chain(sandbox) + """
            [steps.leaky]
            kind = "command"
            argv = ["sh", "-c", "cat \(sandbox.path("outside.txt").path) {inputs.a} > {outputs.out}"]
            inputs = { a = "a.out" }
            outputs = ["out"]

            """)
        let run = try #require(try sandbox.runner().run(spec, options: sandbox.options()).first)
        let replayer = Replayer(lineage: sandbox.lineage, registry: sandbox.registry)
        let report = try replayer.replay(runID: run.runID, engineVersion: "test 1")
        #expect(report.identical)
        #expect(report.steps.map(\.status) == [.identical, .identical, .identical, .identical])
        #expect(report.environmentDifferences.isEmpty)

        try sandbox.write("one\nTWO\n", to: "outside.txt")
        let changed = try replayer.replay(runID: run.runID, engineVersion: "test 2")
        #expect(!changed.identical)
        let leaky = try #require(changed.steps.first { $0.name == "leaky" })
        #expect(leaky.status == .different)
        #expect(leaky.outputs.first?.firstDifference == "first difference at byte 4 (line 2; sizes 18 and 18)")
        #expect(changed.steps.filter { $0.status == .identical }.count == 3)
        #expect(changed.environmentDifferences.map(\.field) == ["tool version"])
    }

    @Test func metricDeltasCompareFinalsAndCurvesBitwise() {
        let recorded = [MetricsSink.Point(key: "acc", value: 0.5, index: nil), MetricsSink.Point(key: "loss", value: 1, index: 0), MetricsSink.Point(key: "loss", value: 0.5, index: 1)]
        #expect(Replayer.metricDeltas(recorded: recorded, replayed: recorded).isEmpty)
        let replayed = [MetricsSink.Point(key: "acc", value: 0.75, index: nil), MetricsSink.Point(key: "loss", value: 1, index: 0), MetricsSink.Point(key: "loss", value: 0.25, index: 1)]
        let deltas = Replayer.metricDeltas(recorded: recorded, replayed: replayed)
        #expect(deltas.map(\.key) == ["acc", "loss"])
        #expect(deltas[0].index == nil && deltas[0].recorded == 0.5 && deltas[0].replayed == 0.75 && deltas[0].delta == 0.25)
        #expect(deltas[1].index == 1 && deltas[1].recorded == 0.5 && deltas[1].replayed == 0.25 && deltas[1].delta == 0.25 && deltas[1].differingPoints == 1)
    }

    @Test func diffBetweenTwoSeedsAndCurves() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let spec = try sandbox.parse("""
            [experiment]
            name = "d"
            seeds = [1, 2]
            [steps.train]
            kind = "test-only"
            seeded = true
            curve = 4

            """)
        let runs = try sandbox.runner().run(spec, options: sandbox.options())
        let a = try sandbox.lineage.details(of: runs[0].runID), b = try sandbox.lineage.details(of: runs[1].runID)
        let diff = RunDiff.compute(a, b, curves: true)
        let changedKeys = diff.changed.map { "\($0.section):\($0.key)" }
        #expect(changedKeys.contains("param:seed"))
        #expect(changedKeys.contains("artifact:train.out"))
        #expect(!changedKeys.contains("param:train.text"))
        #expect(diff.entries.contains { $0.section == "curve" && $0.key == "train/loss" && $0.a == "n=4 first=1.0 last=0.25 min=0.25 max=1.0" && !$0.changed })
        #expect(diff.entries.contains { $0.section == "metric" && $0.key == "train/length" && $0.changed && $0.delta == 0 } == false)
        let text = RunDiffRendering.text(diff, all: false)
        #expect(text.contains("[artifact]") && text.contains("train.out"))
        #expect(RunDiffRendering.csv(diff, all: true).hasPrefix("section,key,a,b,delta,changed\n"))
        #expect(RunDiffRendering.markdown(diff, all: false).contains("| param | seed | 1 | 2 |"))

        let curves = MetricCurve.curves(a, filter: "loss")
        #expect(curves.count == 1 && curves[0].points.map(\.index) == [0, 1, 2, 3])
        #expect(curves[0].text.hasPrefix("train/loss  (4 points)"))
        #expect(MetricCurve.curves(a, filter: "nope").isEmpty)

        let graph = try LineageGraph.build(sandbox.lineage)
        let artifact = try #require(b.steps[0].outputs.first { $0.name == "out" }?.artifact.id)
        #expect(graph.reachable(from: artifact, upstream: true).map(\.id) == [b.steps[0].step.key])
        #expect(graph.dot(nodes: [artifact], focus: artifact).contains("style=bold"))
    }
}
