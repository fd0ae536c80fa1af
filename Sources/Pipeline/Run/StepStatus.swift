/// What became of a step, as the reporters print it and run summaries record it; the raw value
/// is the text both show (`step sft [train] cached in 0.0s`, `"status": "cached"`).
public enum StepStatus: String, Sendable, Codable, Equatable {
    /// Executed and recorded (a service: started and stopped).
    case succeeded
    /// Reused from an earlier result with the same key.
    case cached
    case failed
    /// A service that no step that ran needed.
    case skipped
    /// A service that has started.
    case running
    /// A service that has stopped.
    case stopped
    /// Replayed, with every output and metric as recorded.
    case identical
    /// Replayed, with some output or metric not as recorded.
    case different
}
