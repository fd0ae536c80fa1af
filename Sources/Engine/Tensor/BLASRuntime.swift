// OpenBLAS runtime controls. The kernel family (core name) and thread count can change the bits of
// a matrix product, so the pipeline pins both and records them next to every result.
//
// The kernel family cannot be changed from inside a running process: OpenBLAS picks it when the
// library loads, from the environment variable OPENBLAS_CORETYPE (e.g. "Haswell", "SkylakeX") or,
// without it, from the CPU it detects. On CPUs newer than the library it may fall back to a slow
// generic family (Debian's OpenBLAS 0.3.21 reports "Prescott" on some current Xeons, about 3× slower
// than "Haswell" there). A program that pins the family sets the variable and re-executes itself
// when `coreName` differs from the pin.

import COpenBLAS

/// The OpenBLAS library the engine is linked against: its thread count, kernel family and build.
public enum BLASRuntime {
    /// Sets the number of threads OpenBLAS uses for each product (at least 1).
    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// The number of threads OpenBLAS currently uses.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// The number of processors OpenBLAS detected.
    public static var processorCount: Int { Int(openblas_get_num_procs()) }

    /// The environment variable that selects the kernel family at library load.
    public static let coreTypeEnvironmentVariable = "OPENBLAS_CORETYPE"

    /// The kernel family in use, e.g. "Haswell" or "SkylakeX".
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS's build configuration string (version, threading model, target).
    public static var configuration: String {
        guard let text = openblas_get_config() else { return "unknown" }
        return String(cString: text)
    }
}
