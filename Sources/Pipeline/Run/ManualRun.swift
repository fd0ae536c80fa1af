import Foundation
import Lineage
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

    /// Stores the artifacts, captures git and environment, then records the run through a
    /// `LineageRecorder`: one step, `record`, whose outputs are the artifacts by file name.
    public func record(in lineage: LineageDatabase, directory: URL, toolVersion: String) throws -> RunRecord {
        let store = lineage.store
        let git = try GitCapture.capture(directory: directory) { patch in try store.addBytes(patch).description }
        if requireClean && !git.isClean { throw GitCaptureError.notClean(modified: git.dirty, untracked: git.untracked) }
        var artifacts: [String: ArtifactRef] = [:]
        for path in artifactPaths {
            let name = URL(fileURLWithPath: path).lastPathComponent
            artifacts[name] = ArtifactRef(try store.add(path: path), name: name)
        }
        let recorder = try LineageRecorder.beginRun(in: lineage, experiment: experiment, name: name, specObject: nil, git: git,
                                                    environment: .capture(toolVersion: toolVersion))
        try recorder.recordParams(run: params, metrics: metrics.map { (key: $0.0, value: $0.1, index: nil) })
        let step = try recorder.beginStep("record", kind: "manual", key: "", inputs: [], services: nil)
        try recorder.stepSucceeded(step, name: "record", outcome: StepOutcome(outputs: artifacts))
        try recorder.runSucceeded()
        return try lineage.resolveRun(recorder.runID)
    }
}
