import Foundation
import Lineage
import Synchronization

/// How a run tells its user what is happening. `TerminalReporter` draws one line per step and
/// updates the running step in place; `PlainReporter` writes one line per event for logs.
public protocol RunReporter: Sendable {
    func runStarted(runID: String, experiment: String, seed: Int, steps: Int)
    func stepStarted(_ step: String, kind: String)
    func stepProgress(_ step: String, _ update: ProgressUpdate)
    /// `detail` is a short note (cached from which run, the error).
    func stepFinished(_ step: String, kind: String, status: StepStatus, seconds: Double, detail: String?)
    func runFinished(runID: String, status: RunRecord.Status, seconds: Double, executed: Int, cached: Int)
    func message(_ text: String)
    /// A step's outputs are in the store and its lineage row is not yet written: the window a
    /// concurrent `store gc` must not fall into. Tests use it to run gc exactly there.
    func stepOutputsStored(_ step: String, outputs: [String: ArtifactRef])
}

extension RunReporter {
    public func stepOutputsStored(_ step: String, outputs: [String: ArtifactRef]) {}
}

/// Says nothing (tests, `--json`).
public struct SilentReporter: RunReporter {
    public init() {}
    public func runStarted(runID: String, experiment: String, seed: Int, steps: Int) {}
    public func stepStarted(_ step: String, kind: String) {}
    public func stepProgress(_ step: String, _ update: ProgressUpdate) {}
    public func stepFinished(_ step: String, kind: String, status: StepStatus, seconds: Double, detail: String?) {}
    public func runFinished(runID: String, status: RunRecord.Status, seconds: Double, executed: Int, cached: Int) {}
    public func message(_ text: String) {}
}

/// Formats durations the way both reporters print them: `0.3s`, `12.4s`, `3m05s`, `2h14m`.
public enum DurationText {
    public static func format(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let s = Int(seconds.rounded())
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }
}

/// One line per event, nothing rewritten: for logs and pipes. Progress updates are not printed.
public final class PlainReporter: RunReporter {
    private let write: @Sendable (String) -> Void
    /// Per running step, the last tenth of its work reported (progress lines go to logs at each
    /// tenth, not at every update).
    private let reportedTenths = Mutex<[String: Int]>([:])

    public init(write: @escaping @Sendable (String) -> Void = { line in ConsoleOutput.write(line + "\n") }) {
        self.write = write
    }

    public func runStarted(runID: String, experiment: String, seed: Int, steps: Int) {
        write("run \(runID) started: \(experiment), seed \(seed), \(steps) steps")
    }
    public func stepStarted(_ step: String, kind: String) {
        reportedTenths.withLock { $0[step] = 0 }
        write("step \(step) [\(kind)] running")
    }
    /// `step NAME: 40/157 loss 2.31 … 1m02s, 1m35s left` each time the step passes a tenth of its total.
    public func stepProgress(_ step: String, _ update: ProgressUpdate) {
        guard let done = update.completed, let total = update.total, total > 0 else { return }
        let tenth = done * 10 / total
        let due = reportedTenths.withLock { reported -> Bool in
            guard tenth > reported[step, default: 0] else { return false }
            reported[step] = tenth
            return true
        }
        guard due else { return }
        var parts = ["\(done)/\(total)"]
        if !update.message.isEmpty { parts.append(update.message) }
        parts.append(DurationText.format(update.elapsed) + (update.remaining.map { ", \(DurationText.format($0)) left" } ?? ""))
        write("step \(step): " + parts.joined(separator: " "))
    }
    public func stepFinished(_ step: String, kind: String, status: StepStatus, seconds: Double, detail: String?) {
        write("step \(step) [\(kind)] \(status.rawValue) in \(DurationText.format(seconds))\(detail.map { " (\($0))" } ?? "")")
    }
    public func runFinished(runID: String, status: RunRecord.Status, seconds: Double, executed: Int, cached: Int) {
        write("run \(runID) \(status.rawValue) in \(DurationText.format(seconds)): \(executed) steps executed, \(cached) cached")
    }
    public func message(_ text: String) { write(text) }
}

/// One line per step on a terminal: the running step's line shows its latest progress (done /
/// total, the step's message, elapsed and time left) and is rewritten in place; when the step
/// ends the line is replaced by its final status and time.
public final class TerminalReporter: RunReporter {
    private struct State { var current: String?; var kind = ""; var started = Date() }
    private let state = Mutex(State())
    private let width: Int

    public init(width: Int = 100) { self.width = width }

    private func emit(_ text: String) { ConsoleOutput.write(text) }

    private func clip(_ line: String) -> String { line.count > width ? String(line.prefix(width - 1)) + "…" : line }

    public func runStarted(runID: String, experiment: String, seed: Int, steps: Int) {
        emit("run \(runID)  \(experiment)  seed \(seed)  (\(steps) steps)\n")
    }

    public func stepStarted(_ step: String, kind: String) {
        state.withLock { $0 = State(current: step, kind: kind, started: Date()) }
        emit("\r\u{1B}[2K" + clip("  ▸ \(step) [\(kind)]  running"))
    }

    public func stepProgress(_ step: String, _ update: ProgressUpdate) {
        var parts: [String] = []
        if let done = update.completed {
            parts.append(update.total.map { "\(done)/\($0)" } ?? "\(done)")
        }
        if !update.message.isEmpty { parts.append(update.message) }
        parts.append(DurationText.format(update.elapsed))
        if let remaining = update.remaining { parts.append("\(DurationText.format(remaining)) left") }
        let kind = state.withLock { $0.kind }
        emit("\r\u{1B}[2K" + clip("  ▸ \(step) [\(kind)]  " + parts.joined(separator: "  ")))
    }

    public func stepFinished(_ step: String, kind: String, status: StepStatus, seconds: Double, detail: String?) {
        let mark: String
        switch status {
        case .succeeded: mark = "✓"
        case .cached: mark = "="
        case .failed: mark = "✗"
        case .skipped, .running, .stopped, .identical, .different: mark = "·"
        }
        let statusText = status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
        let line = "  \(mark) \(step) [\(kind)]  \(statusText) \(DurationText.format(seconds))\(detail.map { "  \($0)" } ?? "")"
        state.withLock { $0.current = nil }
        emit("\r\u{1B}[2K" + clip(line) + "\n")
    }

    public func runFinished(runID: String, status: RunRecord.Status, seconds: Double, executed: Int, cached: Int) {
        emit("run \(runID) \(status.rawValue) in \(DurationText.format(seconds)): \(executed) executed, \(cached) cached\n")
    }

    public func message(_ text: String) {
        let running = state.withLock { $0 }
        emit("\r\u{1B}[2K" + text + "\n")
        if let step = running.current { emit(clip("  ▸ \(step) [\(running.kind)]  running")) }
    }
}

/// Standard output shared with the CLI's `print`: written through the same C stream and flushed
/// at once, so reporter lines and command output keep their order in pipes and files.
public enum ConsoleOutput {
    public static func write(_ text: String) {
        print(text, terminator: "")
        fflush(nil)
    }
}
