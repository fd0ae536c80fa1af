import Engine
import Foundation

/// The resumable state of a pipeline `train` step, kept in its resume directory
/// (`StepContext.resumeDirectory`): `TrainingRun`'s checkpoints (`step-N/`: trainable weights,
/// optimizer state, trainer state, the log so far) plus, in each, the metric points the step had
/// recorded by then — the values bit for bit, so that a resumed step records exactly the curves
/// of an uninterrupted one.
enum TrainResumeState {
    /// One point a line: `key TAB index TAB value`, the value as the hexadecimal bit pattern of
    /// the Double (decimal text would round it).
    static let metricsFile = "pipeline_metrics.tsv"

    /// The newest complete checkpoint in `directory` (`step-N` with the highest N; a checkpoint
    /// being written is a hidden `.step-N.partial-…` directory until it is renamed, so it is
    /// never picked).
    static func latest(in directory: URL) -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let steps = names.compactMap { name -> Int? in name.hasPrefix("step-") ? Int(name.dropFirst("step-".count)) : nil }
        return steps.max().map { directory.appendingPathComponent("step-\($0)") }
    }

    /// Removes every checkpoint in `directory` but `step-keep`.
    static func removeOthers(than keep: Int, in directory: URL) {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasPrefix("step-") && name != "step-\(keep)" {
            try? fm.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// The file saved beside a checkpoint's tensors: the curve points recorded so far.
    static func files(_ metrics: [MetricsSink.Point]) -> [String: Data] {
        var table = ""
        for point in metrics {
            guard let index = point.index else { continue }
            table += "\(point.key)\t\(index)\t\(String(point.value.bitPattern, radix: 16))\n"
        }
        return [metricsFile: Data(table.utf8)]
    }

    /// The curve points saved with `checkpoint`.
    static func restore(from checkpoint: URL) throws -> [MetricsSink.Point] {
        guard let data = FileManager.default.contents(atPath: checkpoint.appendingPathComponent(metricsFile).path) else {
            throw StepFailure.message("\(checkpoint.path) has no \(metricsFile)")
        }
        var points: [MetricsSink.Point] = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3, let index = Int(fields[1]), let bits = UInt64(fields[2], radix: 16) else {
                throw StepFailure.message("\(checkpoint.path)/\(metricsFile) line \(number + 1) is malformed")
            }
            points.append(MetricsSink.Point(key: String(fields[0]), value: Double(bitPattern: bits), index: index))
        }
        return points
    }
}
