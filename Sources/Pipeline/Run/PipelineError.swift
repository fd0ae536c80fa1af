/// Errors of planning, running, replaying and reporting, each saying what to do.
public enum PipelineError: Error, CustomStringConvertible, Sendable {
    /// A step named on the command line (`--only`, `--force`) that the experiment lacks.
    case unknownStep(String, hint: String)
    /// A step failed; the run is recorded as failed and everything finished before it is kept.
    case stepFailed(runID: String, step: String, message: String, scratch: String?)
    /// OpenBLAS did not take the pinned kernel family even after re-executing with it set.
    case blasNotHonoured(requested: String, reported: String)
    case runHasNoSpec(String)
    case invalidRequest(String)
    /// A run or group that a report needs cannot be used as asked.
    case report(String)
    /// A cached step executed again to restore outputs absent from this store produced other
    /// ids than its record (exit 5, as a failed determinism check).
    case notReproduced(runID: String, step: String, output: String, recordedBy: String, recorded: String, produced: String)

    public var description: String {
        switch self {
        case .unknownStep(let name, let hint): return "the experiment has no step \"\(name)\"; \(hint)"
        case .stepFailed(let runID, let step, let message, let scratch):
            var text = "step \(step) failed (run \(runID)): \(message)"
            if let scratch { text += "\nits scratch directory is kept at \(scratch) (`iopo-exp store gc --apply` removes it)" }
            text += "\nfinished steps are kept; run again to resume from the cache"
            return text
        case .blasNotHonoured(let requested, let reported):
            return "[engine] blas = \"\(requested)\" but OpenBLAS reports kernel family \"\(reported)\" even with OPENBLAS_CORETYPE set; "
                + "this CPU or OpenBLAS build cannot run that kernel family. Set [engine] blas to \"\(reported.lowercased())\" (results will differ from runs pinned to \(requested))"
        case .runHasNoSpec(let id): return "run \(id) has no stored experiment file (it was recorded by hand); only pipeline runs can be replayed"
        case .invalidRequest(let message): return message
        case .report(let message): return message
        case .notReproduced(let runID, let step, let output, let recordedBy, let recorded, let produced):
            return "step \(step) (run \(runID)) executed again to restore outputs that are not in this store, and its output \(output) is \(produced) "
                + "where run \(recordedBy) recorded \(recorded): this build, kernel pin or machine does not reproduce that record (see docs/determinism.md). "
                + "The run stops, since the steps after it were planned with the recorded ids; `iopo-exp replay \(recordedBy) --check` compares every step"
        }
    }

    /// True when a recorded result was not reproduced (exit 5).
    public var isDeterminismFailure: Bool {
        if case .notReproduced = self { return true }
        return false
    }

    /// True for errors in what the user asked (exit 2) rather than in what ran (exit 1).
    public var isUsageError: Bool {
        switch self {
        case .unknownStep, .runHasNoSpec, .invalidRequest, .blasNotHonoured, .report: return true
        case .stepFailed, .notReproduced: return false
        }
    }
}
