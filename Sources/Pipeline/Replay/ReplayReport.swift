/// What `replay` found: per step, whether re-executing it from its recorded inputs gave the
/// recorded outputs and metrics, bit for bit.
public struct ReplayReport: Sendable, Codable, Equatable {
    public var runID: String
    public var experiment: String
    public var seed: Int
    /// Where the machine or tool differs from the recorded run (said first: it explains most
    /// differences).
    public var environmentDifferences: [EnvironmentDifference]
    public var steps: [StepReplay]

    /// True when every compared step is identical.
    public var identical: Bool { steps.allSatisfy { $0.status != .different && $0.status != .failed } }
}

/// One field of the environment that differs from the recorded run.
public struct EnvironmentDifference: Sendable, Codable, Equatable {
    public var field: String
    public var recorded: String
    public var current: String
}

/// The outcome of replaying one step.
public struct StepReplay: Sendable, Codable, Equatable {
    /// Whether the replay matched.
    public enum Status: String, Sendable, Codable {
        case identical, different, failed
        /// Services, and steps that did not succeed in the recorded run.
        case notCompared = "not compared"
    }

    public var name: String
    public var kind: String
    public var status: Status
    public var note: String?
    public var outputs: [OutputComparison]
    public var metrics: [MetricDelta]
}

/// One output: the recorded and the replayed id.
public struct OutputComparison: Sendable, Codable, Equatable {
    public var name: String
    public var recorded: String?
    public var replayed: String?
    public var identical: Bool
    /// For a directory, the first path that differs; for a file, the first byte that does.
    public var firstDifference: String?
}

/// A metric that came out differently: for a final value the two values; for a curve the
/// first differing point and the largest difference over all points.
public struct MetricDelta: Sendable, Codable, Equatable {
    public var key: String
    /// The first differing point of a curve (nil for a final value).
    public var index: Int?
    public var recorded: Double?
    public var replayed: Double?
    /// replayed − recorded (final) or the largest |difference| (curve).
    public var delta: Double?
    /// Points that differ (1 for a final value).
    public var differingPoints: Int
}
