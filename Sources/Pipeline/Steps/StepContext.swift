import Foundation

/// Everything an executor gets to run one step.
public struct StepContext: Sendable {
    public var stepName: String
    public var kind: String
    /// Normalised, canonical parameters.
    public var params: StepParameters
    /// Input name (`data`, `data[1]`, `inputs.config`) → what was materialised for it.
    public var inputs: [String: MaterializedInput]
    /// The step's scratch directory (the working directory of `command` steps). Inputs live in
    /// `inputs/` below it; anything else written here is discarded after the step.
    public var workDirectory: URL
    /// Write each declared output as `outputDirectory/<output name>` (a file or a directory).
    public var outputDirectory: URL
    /// Files written here are stored as the step's logs (`log/<file name>`), even on failure.
    public var logDirectory: URL
    public var seed: Int
    public var engine: EngineEnvironment
    public var progress: StepProgress
    public var metrics: MetricsSink
    /// Where a long step may keep resumable state (checkpoints) that survives a failed or killed
    /// run: one directory per step key, kept until the step succeeds, then removed by the
    /// runner. Nil when the step must start from nothing (`replay`, `--force`).
    public var resumeDirectory: URL?

    public init(stepName: String, kind: String, params: StepParameters, inputs: [String: MaterializedInput], workDirectory: URL,
                outputDirectory: URL, logDirectory: URL, seed: Int, engine: EngineEnvironment, progress: StepProgress, metrics: MetricsSink,
                resumeDirectory: URL? = nil) {
        self.stepName = stepName
        self.kind = kind
        self.params = params
        self.inputs = inputs
        self.workDirectory = workDirectory
        self.outputDirectory = outputDirectory
        self.logDirectory = logDirectory
        self.seed = seed
        self.engine = engine
        self.progress = progress
        self.metrics = metrics
        self.resumeDirectory = resumeDirectory
    }

    /// The path to write output `name` to.
    public func outputURL(_ name: String) -> URL { outputDirectory.appendingPathComponent(name) }

    /// The materialised input `name`; throws when absent.
    public func input(_ name: String) throws -> MaterializedInput {
        guard let input = inputs[name] else { throw StepFailure.missingInput(name) }
        return input
    }

    /// Inputs whose names start with `prefix` (`data[` finds `data[0]`, `data[1]`, …), in order.
    public func inputs(under prefix: String) -> [MaterializedInput] {
        inputs.filter { $0.key == prefix || $0.key.hasPrefix(prefix + "[") || $0.key.hasPrefix(prefix + ".") }
            .sorted { MaterializedInput.order($0.key, $1.key) }.map(\.value)
    }
}

/// One input as the executor sees it: a read-only file or directory extracted from the store,
/// or the URL of a live service.
public struct MaterializedInput: Sendable, Equatable {
    /// What was materialised.
    public enum Content: Sendable, Equatable {
        case file(URL)
        case directory(URL)
        case endpoint(String)
    }

    public var name: String
    /// The object id of a stored input, or `endpoint:<service step key>`.
    public var id: String
    public var content: Content

    public init(name: String, id: String, content: Content) {
        self.name = name
        self.id = id
        self.content = content
    }

    /// The file or directory, or nil for an endpoint.
    public var url: URL? {
        switch content {
        case .file(let u), .directory(let u): return u
        case .endpoint: return nil
        }
    }

    /// The endpoint URL, or nil for a stored input.
    public var endpoint: String? { if case .endpoint(let e) = content { return e }; return nil }

    /// Orders `data[2]` before `data[10]`.
    static func order(_ a: String, _ b: String) -> Bool {
        func parts(_ s: String) -> [Either] {
            var out: [Either] = []
            var digits = ""
            var text = ""
            for c in s {
                if c.isNumber { if !text.isEmpty { out.append(.text(text)); text = "" }; digits.append(c) }
                else { if !digits.isEmpty { out.append(.number(Int(digits) ?? 0)); digits = "" }; text.append(c) }
            }
            if !digits.isEmpty { out.append(.number(Int(digits) ?? 0)) }
            if !text.isEmpty { out.append(.text(text)) }
            return out
        }
        let x = parts(a), y = parts(b)
        for (p, q) in zip(x, y) where p != q {
            switch (p, q) {
            case (.number(let m), .number(let n)): return m < n
            case (.text(let s), .text(let t)): return s < t
            case (.number, .text): return true
            case (.text, .number): return false
            }
        }
        return x.count < y.count
    }

    private enum Either: Equatable { case text(String), number(Int) }
}

/// The pinned engine environment: part of every step key.
public struct EngineEnvironment: Sendable, Equatable, Codable {
    /// The tool/engine version string.
    public var version: String
    /// OpenBLAS kernel family (lower case, e.g. `haswell`).
    public var blas: String
    public var threads: Int

    public init(version: String, blas: String, threads: Int) {
        self.version = version
        self.blas = blas
        self.threads = threads
    }
}
