import Foundation
import GRDB

/// The machine and toolchain a run executed on: what can change the bits of its results.
public struct EnvironmentSnapshot: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "environments"

    public var id: Int64?
    public var os: String
    public var architecture: String
    public var cpuModel: String
    /// The CPU flags that change numerical kernels (avx2, fma, avx512f, ...), sorted.
    public var cpuFlags: [String]
    public var cpuCount: Int
    /// OpenBLAS's kernel family (`openblas_get_corename`), as in force in this process.
    public var blasCore: String
    public var blasThreads: Int
    public var blasConfig: String
    /// `OPENBLAS_CORETYPE` as set in the environment, if any.
    public var blasCoreOverride: String?
    public var swiftVersion: String
    public var toolVersion: String

    enum CodingKeys: String, CodingKey {
        case id, os, architecture
        case cpuModel = "cpu_model"
        case cpuFlags = "cpu_flags"
        case cpuCount = "cpu_count"
        case blasCore = "blas_core"
        case blasThreads = "blas_threads"
        case blasConfig = "blas_config"
        case blasCoreOverride = "blas_core_override"
        case swiftVersion = "swift_version"
        case toolVersion = "tool_version"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The fields that can change a result's bits, for comparing two environments.
    public var determinismFields: [(String, String)] {
        [("cpu flags", cpuFlags.joined(separator: " ")), ("BLAS kernel family", blasCore),
         ("BLAS threads", String(blasThreads)), ("tool version", toolVersion), ("architecture", architecture)]
    }

    static let relevantFlags: Set<String> = [
        "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq",
        "avx512_bf16", "avx512_vnni", "avx512_fp16", "amx_bf16", "amx_tile", "sha_ni", "aes", "neon", "asimd", "sve",
    ]

    /// Reads the current process's environment. What the BLAS library reports comes from the
    /// caller, which has the engine: this module does not link it.
    public static func capture(toolVersion: String, blas: BLASInfo) -> EnvironmentSnapshot {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        var model = "unknown"
        var flags: [String] = []
        for line in cpuinfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if model == "unknown", parts[0] == "model name" || parts[0] == "Model" { model = parts[1] }
            if flags.isEmpty, parts[0] == "flags" || parts[0] == "Features" {
                flags = parts[1].split(separator: " ").map(String.init).filter { relevantFlags.contains($0) }.sorted()
            }
        }
        var name = utsname()
        uname(&name)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        }
        var os = field(name.sysname) + " " + field(name.release)
        if let release = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8),
           let pretty = release.split(separator: "\n").first(where: { $0.hasPrefix("PRETTY_NAME=") }) {
            os = pretty.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) + " (" + os + ")"
        }
        return EnvironmentSnapshot(
            id: nil, os: os, architecture: field(name.machine), cpuModel: model, cpuFlags: flags,
            cpuCount: ProcessInfo.processInfo.activeProcessorCount,
            blasCore: blas.core, blasThreads: blas.threads, blasConfig: blas.config,
            blasCoreOverride: blas.coreOverride,
            swiftVersion: swiftCompilerVersion, toolVersion: toolVersion)
    }

    static var swiftCompilerVersion: String {
        #if compiler(>=6.4)
        return "6.4 or later"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #else
        return "6.1 or earlier"
        #endif
    }
}

/// What the engine's BLAS library reports about itself in a process: the facts of an
/// environment that only the engine knows (`Pipeline` reads them from `Engine.BLASRuntime`).
public struct BLASInfo: Sendable, Equatable {
    /// The kernel family in use (`Haswell`), without surrounding spaces.
    public var core: String
    public var threads: Int
    /// The library's build configuration, without surrounding spaces.
    public var config: String
    /// The kernel family the environment asked for at library load, if any.
    public var coreOverride: String?

    public init(core: String, threads: Int, config: String, coreOverride: String?) {
        self.core = core
        self.threads = threads
        self.config = config
        self.coreOverride = coreOverride
    }
}
