import Foundation
import Pipeline

/// The default OpenBLAS pin for every command: the Haswell kernel family (AVX2 + FMA), which
/// any x86-64 CPU with AVX2 runs with the same bits (docs/determinism.md). OpenBLAS reads
/// `OPENBLAS_CORETYPE` only when it loads, so an unpinned process re-executes itself once with
/// the variable set. A user's own OPENBLAS_CORETYPE is respected; `run` re-pins to the
/// experiment's `[engine]` table.
enum BLASDefault {
    static let family = "Haswell"

    static func pinIfUnset() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["OPENBLAS_CORETYPE"] == nil, environment[BLASPinning.marker] == nil, cpuHasAVX2() else { return }
        // The re-executed process has OPENBLAS_CORETYPE set, so it does not come back here. If
        // exec fails the command runs unpinned, and the environment it ran in is recorded.
        _ = BLASPinning.reexecute(setting: ["OPENBLAS_CORETYPE": family])
    }

    private static func cpuHasAVX2() -> Bool {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        return flags.split(separator: " ").contains("avx2") && flags.split(separator: " ").contains("fma")
    }
}
