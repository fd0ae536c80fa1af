import Lineage

/// What `export` leaves out of a run bundle, so that bundles are small enough to keep in git
/// and never carry model weights: the outputs of `train` steps (adapters, merged models, their
/// checkpoints: a replay recomputes them and checks their ids), and any artifact larger than
/// `maxBytes` (a base model the runs read from the store, a large dataset). Everything else
/// (data, responses, judgments, metrics, tables, the experiment file) goes in, so `table`,
/// `report`, `diff` and `replay --check` work on the imported runs.
public struct ExportPolicy: Sendable {
    public static let defaultMaxBytes = 16 << 20
    public var maxBytes: Int

    public init(maxBytes: Int = ExportPolicy.defaultMaxBytes) { self.maxBytes = maxBytes }

    /// Why `artifact`, produced by `producer` (nil: read from outside the runs), stays out.
    public func reasonToLeaveOut(_ artifact: ArtifactRecord, producer: StepRecord?) -> String? {
        if producer?.kind == "train" { return "weights: output of train step \(producer!.name)" }
        if artifact.size > maxBytes { return "larger than \(maxBytes) bytes (\(artifact.size))" }
        return nil
    }
}
