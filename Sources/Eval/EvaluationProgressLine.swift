// The one line an evaluation shows on a terminal while it runs:
//   responses 120/500 (20 cached), 3.1/s, ETA 2m35s
// The rate counts only computed items (cached ones cost nothing), so the estimate of what is
// left holds when a resumed run starts with many cache hits.

import Synchronization

extension EvaluationProgress {
    /// The progress line after `seconds` in this phase.
    public func line(elapsed seconds: Double) -> String {
        var text = "\(phase.rawValue) \(done)/\(total) (\(cached) cached)"
        let computed = done - cached
        if computed > 0 && seconds > 0 {
            let rate = Double(computed) / seconds
            text += ", \(Self.decimal(rate))/s"
            if done < total { text += ", ETA \(Self.duration(Double(total - done) / rate))" }
        }
        return text
    }

    private static func decimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// 45s, 2m35s, 1h02m.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m\(String(format2: total % 60))s" }
        return "\(total / 3600)h\(String(format2: (total % 3600) / 60))m"
    }
}

private extension String {
    init(format2 value: Int) { self = value < 10 ? "0\(value)" : "\(value)" }
}

/// When each phase of an evaluation started, for the progress line's rate and ETA.
public final class EvaluationPhaseClock: Sendable {
    private let starts = Mutex<[EvaluationProgress.Phase: ContinuousClock.Instant]>([:])

    public init() {}

    /// Seconds since the first report of `phase`.
    public func elapsed(_ phase: EvaluationProgress.Phase) -> Double {
        let now = ContinuousClock.now
        let start = starts.withLock { starts in
            if let start = starts[phase] { return start }
            starts[phase] = now
            return now
        }
        let (seconds, attoseconds) = (now - start).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
