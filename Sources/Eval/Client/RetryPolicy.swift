// When and how long to wait before trying a request again: after a connection failure (refused,
// reset, timed out), a 5xx, a 429 or a 408, with exponentially growing delays and a cap on both
// the delay and the number of attempts. No random jitter: an evaluation makes the same requests
// in the same pattern every time.

/// Bounded exponential backoff.
public struct RetryPolicy: Sendable, Equatable {
    /// Total attempts, the first included (1: never retry).
    public var maxAttempts: Int
    /// Wait before the second attempt; doubled for each further one.
    public var initialDelay: Duration
    /// Longest wait between two attempts.
    public var maxDelay: Duration

    public init(maxAttempts: Int = 6, initialDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(16)) {
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// The wait after failed attempt `attempt` (1-based).
    public func delay(after attempt: Int) -> Duration {
        var delay = initialDelay
        for _ in 1..<max(attempt, 1) {
            delay *= 2
            if delay >= maxDelay { return maxDelay }
        }
        return min(delay, maxDelay)
    }

    /// Whether an HTTP status is worth another attempt.
    public static func isRetryable(status: Int) -> Bool { status >= 500 || status == 429 || status == 408 }
}
