import Engine
import Foundation
import Lineage

extension BLASInfo {
    /// What the engine's OpenBLAS reports in this process: kernel family and build trimmed of
    /// surrounding spaces, the thread count, and `OPENBLAS_CORETYPE` if the environment sets it.
    public static var current: BLASInfo {
        BLASInfo(core: BLASRuntime.coreName.trimmingCharacters(in: .whitespaces), threads: BLASRuntime.threadCount,
                 config: BLASRuntime.configuration.trimmingCharacters(in: .whitespaces),
                 coreOverride: ProcessInfo.processInfo.environment[BLASRuntime.coreTypeEnvironmentVariable])
    }
}

extension EnvironmentSnapshot {
    /// The current process's environment, with the engine's BLAS facts: what a run records.
    public static func capture(toolVersion: String) -> EnvironmentSnapshot {
        capture(toolVersion: toolVersion, blas: .current)
    }
}
