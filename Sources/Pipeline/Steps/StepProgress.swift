import Foundation

/// How a step reports progress while it runs: a terminal shows the latest update in place
/// (steps done, loss, throughput, time left); plain logs stay quiet.
public final class StepProgress: Sendable {
    public let stepName: String
    private let reporter: any RunReporter
    private let started = Date()

    public init(stepName: String, reporter: any RunReporter) {
        self.stepName = stepName
        self.reporter = reporter
    }

    /// Reports `completed` of `total` units (optimiser steps, requests) with a short message
    /// (`loss 2.31 acc 0.62 41 tok/s`); the reporter adds elapsed time and time left.
    public func update(completed: Int? = nil, total: Int? = nil, _ message: String = "") {
        let elapsed = Date().timeIntervalSince(started)
        var remaining: Double?
        if let completed, let total, completed > 0, total >= completed {
            remaining = elapsed / Double(completed) * Double(total - completed)
        }
        reporter.stepProgress(stepName, ProgressUpdate(completed: completed, total: total, message: message, elapsed: elapsed, remaining: remaining))
    }

    /// A line worth keeping in any log (warnings, where a long-running server listens).
    public func log(_ line: String) {
        reporter.message("\(stepName): \(line)")
    }
}

/// One progress update of a running step.
public struct ProgressUpdate: Sendable, Equatable {
    public var completed: Int?
    public var total: Int?
    public var message: String
    public var elapsed: Double
    public var remaining: Double?
}
