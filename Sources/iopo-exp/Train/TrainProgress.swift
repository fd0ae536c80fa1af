import Engine
import Foundation
import Pipeline

/// Progress of a training run on stderr: the latest step in place on a terminal (step, loss,
/// reward accuracy, tokens/s, time left), one plain line per step and event otherwise.
final class TrainProgress {
    let terminal: Bool
    let started = Date()
    /// Steps taken in this process (a resumed run's time left counts only these).
    var stepsTaken = 0
    var lineShown = false

    init(terminal: Bool) { self.terminal = terminal }

    func report(_ event: TrainingRunEvent) {
        switch event {
        case .message(let text): emit(text, persistent: true)
        case .checkpoint(let step, let path): emit("checkpoint after step \(step): \(path)", persistent: true)
        case .step(let log):
            stepsTaken += 1
            let elapsed = Date().timeIntervalSince(started)
            let left = elapsed / Double(stepsTaken) * Double(log.totalSteps - log.step)
            var text = "step \(log.step)/\(log.totalSteps) loss \(String(format: "%.4f", log.metrics["loss"] ?? .nan))"
            if let accuracy = TrainProgress.accuracy(log.metrics) { text += " acc \(accuracy)" }
            text += " lr \(String(format: "%.3g", log.learningRate)) \(Int(log.tokensPerSecond.rounded())) tok/s \(TrainProgress.duration(left)) left"
            emit(text, persistent: false)
        }
    }

    /// Reward accuracy as the log names it: `rewards/accuracies`, or for IOPO x1 / x2.
    static func accuracy(_ metrics: [String: Double]) -> String? {
        if let a = metrics["rewards/accuracies"] { return String(format: "%.2f", a) }
        if let a = metrics["rewards/accuracies_v1"], let b = metrics["rewards/accuracies_v2"] {
            return String(format: "%.2f/%.2f", a, b)
        }
        return nil
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    private func emit(_ text: String, persistent: Bool) {
        if terminal {
            // The step line is redrawn in place; persistent lines push it down.
            let clear = lineShown ? "\r\u{1B}[K" : ""
            FileHandle.standardError.write(Data((clear + text + (persistent ? "\n" : "")).utf8))
            lineShown = !persistent
        } else {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    /// Ends the in-place line so what follows starts on its own line.
    func finish() {
        if terminal && lineShown { FileHandle.standardError.write(Data("\n".utf8)) }
        lineShown = false
    }
}
