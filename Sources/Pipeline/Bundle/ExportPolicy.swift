import Lineage

/// What `export` leaves out of a run bundle, so that bundles are small enough to keep in git
/// and never carry model weights: the directories `train` steps write (adapters, merged models:
/// a replay recomputes them and checks their ids; their training logs, files, go in), any artifact larger than
/// `maxBytes` (a base model the runs read from outside), and the artifacts recorded under the
/// input or output names in `names` (`ifeval` for a dataset that must not travel; a name matches
/// a recorded `data.ifeval` too). Everything else (data, responses, judgments, metrics, tables,
/// the experiment file) goes in, so `table`, `report` and `diff` work on the imported runs; a
/// replay needs the left-out inputs from outside the runs put back with `store add` (the same
/// bytes give the same id).
public struct ExportPolicy: Sendable {
    public static let defaultMaxBytes = 16 << 20
    public var maxBytes: Int
    public var names: Set<String>

    public init(maxBytes: Int = ExportPolicy.defaultMaxBytes, names: Set<String> = []) {
        self.maxBytes = maxBytes
        self.names = names
    }

    /// Why `artifact`, recorded by a step as `name` and produced by `producer` (nil: read from
    /// outside the runs), stays out.
    public func reasonToLeaveOut(_ artifact: ArtifactRecord, name: String, producer: StepRecord?) -> String? {
        if let producer, producer.kind == "train", artifact.isDirectory {
            return "weights: output of train step \(producer.name)"
        }
        if artifact.size > maxBytes { return "larger than \(maxBytes) bytes (\(artifact.size))" }
        let last = name.split(whereSeparator: { $0 == "." || $0 == "/" }).last.map(String.init) ?? name
        if names.contains(name) || names.contains(last) { return "left out by name (--leave-out \(names.contains(name) ? name : last))" }
        return nil
    }
}
