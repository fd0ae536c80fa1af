import ArgumentParser
import Engine
import Foundation
import Pipeline

/// `--blas` and `--threads`: the two settings that can change the engine's bits (see
/// docs/determinism.md). A kernel family can only be chosen when OpenBLAS loads, so a process
/// running another family re-executes itself with OPENBLAS_CORETYPE set (BLASPinning).
struct EngineOptions: ParsableArguments {
    @Option(name: .long, help: "OpenBLAS kernel family to pin (haswell, skylakex, ...; default: $OPENBLAS_CORETYPE, else Haswell on CPUs with AVX2; see docs/determinism.md).")
    var blas: BLASKernelFamily?

    @Option(name: .long, help: "OpenBLAS threads.")
    var threads = 1

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// Pins the kernel family (re-executing when needed) and the thread count.
    func apply() throws {
        if let blas = blas?.rawValue, blas.lowercased() != BLASRuntime.coreName.lowercased() {
            // The process-wide default pin (BLASDefault) may already have re-executed with its
            // own family; that re-execution's marker must not stop this one. When the variable
            // already asks for `blas`, the marker stays, so a family OpenBLAS refuses is an
            // error rather than a loop.
            if ProcessInfo.processInfo.environment[BLASRuntime.coreTypeEnvironmentVariable]?.lowercased() != blas.lowercased() {
                unsetenv(BLASPinning.marker)
            }
            do { try BLASPinning.ensure(blas: blas, threads: threads) } catch {
                throw CLIError.invalid("--blas \(blas): \(error)")
            }
        }
        BLASRuntime.setThreadCount(threads)
    }
}
