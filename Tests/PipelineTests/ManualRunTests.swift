import Foundation
import Lineage
import Pipeline
import Store
import Testing

/// `iopo-exp record` in-process: a manual run is recorded like a pipeline run, through the same
/// recorder, with the engine's BLAS facts in its environment.
@Suite struct ManualRunTests {
    @Test func aManualRunRoundTripsWithParamsMetricsAndArtifacts() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        try sandbox.write("{\"acc\": 0.5}", to: "result.json")
        let file = sandbox.path("result.json")
        let manual = ManualRun(name: "baseline", experiment: "exp", params: [("lr", "0.1"), ("beta", "0.1")],
                               metrics: [("acc", 0.5)], artifactPaths: [file.path], requireClean: false)
        let run = try manual.record(in: sandbox.lineage, directory: sandbox.directory, toolVersion: "test")
        #expect(run.status == .succeeded && run.finishedAt != nil && run.pid == nil)
        let details = try sandbox.lineage.details(of: run.id)
        #expect(details.params.map(\.key) == ["beta", "lr"])
        #expect(details.metrics.map(\.key) == ["acc"] && details.metrics.first?.value == 0.5)
        #expect(details.steps.map(\.step.name) == ["record"] && details.steps.first?.step.status == .succeeded)
        let output = try #require(details.steps.first?.outputs.first)
        #expect(output.name == "result.json" && output.artifact.name == "result.json")
        #expect(output.artifact.id == (try sandbox.store.add(path: file.path)).id.description)
        #expect(try sandbox.lineage.referencedObjects().map(\.description).contains(output.artifact.id))
        #expect(throws: LineageError.self) { try ManualRun.parseAssignment("=1", what: "--param") }
    }

    /// What the engine reports about OpenBLAS is what a run records as its environment.
    @Test func theRecordedEnvironmentHasTheEnginesBLASFacts() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let manual = ManualRun(name: "env", experiment: "exp", params: [], metrics: [], artifactPaths: [], requireClean: false)
        let run = try manual.record(in: sandbox.lineage, directory: sandbox.directory, toolVersion: "test")
        let environment = try #require(try sandbox.lineage.details(of: run.id).environment)
        let blas = BLASInfo.current
        #expect(environment.blasCore == blas.core && !blas.core.isEmpty && blas.core != "unknown" && blas.core == blas.core.trimmingCharacters(in: .whitespaces))
        #expect(environment.blasThreads == blas.threads && blas.threads >= 1)
        #expect(environment.blasConfig == blas.config && blas.config.hasPrefix("OpenBLAS"))
        #expect(environment.blasCoreOverride == ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"])
        #expect(environment.toolVersion == "test")
    }
}
