import Foundation
import Lineage
#if canImport(Glibc)
import Glibc
#endif

/// Pins OpenBLAS to the experiment's kernel family and thread count. OpenBLAS chooses its
/// kernels once, when the library loads, from `OPENBLAS_CORETYPE` (or by probing the CPU, which
/// on some machines picks a slow generic family such as Prescott); so when the running process
/// has the wrong family, the only fix is to start again with the variables set. `ensure`
/// re-executes the current binary (`/proc/self/exe`, same arguments) once, guarded by a marker
/// variable so that an OpenBLAS that ignores the request cannot cause a loop.
public enum BLASPinning {
    public static let marker = "IOPO_EXP_BLAS_PINNED"

    /// Returns when OpenBLAS already matches; otherwise re-executes (and does not return), or
    /// throws when a re-executed process still does not match.
    public static func ensure(blas: String?, threads: Int, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let current = BLASInfo.current
        let coreMatches = blas.map { $0.lowercased() == current.core.lowercased() } ?? true
        let threadsMatch = current.threads == threads
        if coreMatches && threadsMatch { return }
        if environment[marker] != nil {
            if !coreMatches { throw PipelineError.blasNotHonoured(requested: blas ?? "", reported: current.core) }
            throw PipelineError.invalidRequest("[engine] threads = \(threads) but OpenBLAS runs \(current.threads) threads even with OPENBLAS_NUM_THREADS set")
        }
        var variables = ["OPENBLAS_NUM_THREADS": String(threads), marker: "1"]
        if let blas { variables["OPENBLAS_CORETYPE"] = blas }
        let reason = reexecute(setting: variables)
        throw PipelineError.invalidRequest("cannot re-execute to pin OpenBLAS (\(reason)); set OPENBLAS_CORETYPE=\(blas ?? "") OPENBLAS_NUM_THREADS=\(threads) yourself")
    }

    /// Replaces the process with a fresh copy of itself (same arguments) with `variables` set;
    /// returns only on failure, with the reason.
    public static func reexecute(setting variables: [String: String]) -> String {
        for (name, value) in variables { setenv(name, value, 1) }
        fflush(nil) // every C stream; Swift's print buffers through stdout
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", argv)
        return String(cString: strerror(errno))
    }
}
