import Foundation
import Store

/// A run recorded by hand (`iopo-exp record`): parameters, metrics and artifacts of work done
/// outside the pipeline, tied to the git commit and environment like any pipeline run.
public struct ManualRun: Sendable {
    public var name: String
    public var experiment: String
    public var params: [(String, String)]
    public var metrics: [(String, Double)]
    public var artifactPaths: [String]
    public var requireClean: Bool

    public init(name: String, experiment: String, params: [(String, String)], metrics: [(String, Double)], artifactPaths: [String], requireClean: Bool) {
        self.name = name
        self.experiment = experiment
        self.params = params
        self.metrics = metrics
        self.artifactPaths = artifactPaths
        self.requireClean = requireClean
    }

    /// Parses `key=value`; the key must be non-empty.
    public static func parseAssignment(_ text: String, what: String) throws -> (String, String) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw LineageError.invalidInput("\(what) \"\(text)\" is not of the form key=value")
        }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    /// Stores the artifacts, captures git and environment, then writes the run. Objects are stored
    /// before any row names them; the run is marked succeeded last.
    public func record(in lineage: LineageDatabase, directory: URL, toolVersion: String) throws -> RunRecord {
        let store = lineage.store
        let git = try GitCapture.capture(directory: directory) { patch in try store.addBytes(patch).description }
        if requireClean && !git.isClean { throw GitCaptureError.notClean(modified: git.dirty, untracked: git.untracked) }
        var artifacts: [(AddResult, String)] = []
        for path in artifactPaths {
            artifacts.append((try store.add(path: path), URL(fileURLWithPath: path).lastPathComponent))
        }
        let environment = EnvironmentSnapshot.capture(toolVersion: toolVersion)
        let run = try lineage.beginRun(experiment: experiment, name: name, specObject: nil, git: git, environment: environment)
        try lineage.recordParams(runID: run.id, params)
        try lineage.recordMetrics(runID: run.id, metrics.map { (key: $0.0, value: $0.1, index: nil) })
        let step = try lineage.beginStep(runID: run.id, name: "record", kind: "manual", key: "")
        for (result, name) in artifacts {
            let artifact = ArtifactRecord(id: result.id.description, kind: result.kind.rawValue, name: name, size: result.size)
            try lineage.recordEdge(stepID: step.id!, artifact: artifact, name: name, direction: .output)
        }
        try lineage.finishStep(step.id!, status: .succeeded)
        try lineage.finishRun(run.id, status: .succeeded)
        return try lineage.resolveRun(run.id)
    }
}
