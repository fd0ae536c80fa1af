import Foundation
import Lineage
import Pipeline
import Store
import Testing

/// `run --dry-run` against `run`: the dry run's plan is the one the run executes, so every key
/// the dry run knows is the key the run records, and what it says is cached is cached.
@Suite struct DryRunTests {
    /// A file input read by `a`; `b` reads `a`; a service over `b`'s output and a seeded step
    /// that reads its endpoint; `c` reads `a` only.
    func experiment(_ sandbox: Sandbox) throws -> ExperimentSpec {
        try sandbox.write("from a file\n", to: "input.txt")
        return try sandbox.parse("""
            [experiment]
            name = "plan"
            seeds = [1, 2]
            [steps.a]
            kind = "test-only"
            text = "A"
            data = ["file:input.txt"]
            [steps.b]
            kind = "test-only"
            text = "B"
            data = "a.out"
            [steps.serve]
            kind = "test-serve"
            model = "b.out"
            [steps.eval]
            kind = "test-only"
            endpoint = "serve.endpoint"
            seeded = true
            [steps.c]
            kind = "test-only"
            text = "C"
            data = "a.out"

            """)
    }

    /// Checks each seed's plan against the run of that seed; returns how many keys it compared.
    func compare(_ plans: [PlannedRun], _ runs: [RunSummary]) -> Int {
        #expect(plans.map(\.seed) == runs.map(\.seed))
        var compared = 0
        for (plan, run) in zip(plans, runs) {
            let executed = Dictionary(uniqueKeysWithValues: run.steps.map { ($0.name, $0) })
            #expect(plan.steps.map(\.name).sorted() == run.steps.map(\.name).sorted())
            for step in plan.steps {
                guard let summary = executed[step.name] else { continue }
                if let key = step.key {
                    #expect(summary.key == key, "seed \(plan.seed) step \(step.name): planned key \(key), ran with \(summary.key)")
                    compared += 1
                }
                if step.status == .cached {
                    #expect(summary.status == .cached && summary.cachedFromRun == step.cachedFromRun, "seed \(plan.seed) step \(step.name)")
                }
                #expect((step.status == .service) == summary.isService)
            }
        }
        return compared
    }

    @Test func theDryRunKnowsTheKeysTheRunRecords() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let spec = try experiment(sandbox)
        let runner = sandbox.runner()

        // A fresh store: `a` (its input is a file) has a key, the rest wait on it.
        let fresh = try runner.plan(spec, options: sandbox.options())
        #expect(fresh[0].steps.map(\.status) == [.run, .pending, .service, .pending, .pending])
        #expect(fresh[0].steps.map { $0.key != nil } == [true, false, false, false, false])
        #expect(fresh[0].steps[1].reason == "its key depends on outputs of a, which will run first")
        let first = try runner.run(spec, options: sandbox.options())
        #expect(compare(fresh, first) == 2)

        // A rerun: every key is known before anything runs, and everything is cached.
        let rerun = try runner.plan(spec, options: sandbox.options())
        #expect(rerun.allSatisfy { $0.steps.allSatisfy { $0.key != nil && ($0.status == .cached || $0.status == .service) } })
        let second = try runner.run(spec, options: sandbox.options())
        #expect(second.allSatisfy { $0.steps.allSatisfy { $0.status == .cached || $0.status == .skipped } })
        #expect(compare(rerun, second) == 10)

        // Forcing `b`: its key is known (its input is cached), what reads it waits on it.
        var options = sandbox.options()
        options.force = .steps(["b"])
        let forcedPlan = try runner.plan(spec, options: options)
        #expect(forcedPlan[0].steps.map(\.status) == [.cached, .run, .service, .pending, .cached])
        #expect(forcedPlan[0].steps[1].reason == "forced")
        #expect(forcedPlan[0].steps[2].reason == "its key depends on outputs of b, which will run first")
        let forced = try runner.run(spec, options: options)
        #expect(forced[0].steps.first { $0.name == "b" }?.status == .succeeded)
        // b wrote the same bytes, so eval is found cached once they exist.
        #expect(forced[0].steps.first { $0.name == "eval" }?.status == .cached)
        #expect(compare(forcedPlan, forced) == 6)
        #expect(forced.map { $0.steps.map(\.key) } == second.map { $0.steps.map(\.key) })
    }

    /// Two steps that compute the same thing under different names: the plan says both execute
    /// (neither result exists yet), the run executes the first and finds the second cached.
    @Test func aStepPlannedToRunIsLookedUpAgainAtItsTurn() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let spec = try sandbox.parse("""
            [experiment]
            name = "twins"
            [steps.one]
            kind = "test-only"
            text = "same"
            [steps.two]
            kind = "test-only"
            text = "same"

            """)
        let plan = try sandbox.runner().plan(spec, options: sandbox.options())
        #expect(plan[0].steps.map(\.status) == [.run, .run])
        #expect(plan[0].steps[0].key == plan[0].steps[1].key)
        let run = try #require(try sandbox.runner().run(spec, options: sandbox.options()).first)
        #expect(run.steps.map(\.status) == [.succeeded, .cached])
        #expect(run.steps[1].cachedFromRun == run.runID)
        #expect(compare(plan, [run]) == 2)
    }
}
