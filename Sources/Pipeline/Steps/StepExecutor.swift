import Foundation
import Synchronization

/// A step kind: what parameters it takes, what it produces, and how it runs.
///
/// The runner owns everything around `execute`: it validates parameters against `schema`
/// before anything runs, computes the step's cache key, extracts the inputs from the store into
/// a scratch directory, and afterwards stores every declared output found in
/// `context.outputDirectory`, records metrics, and marks the step done. An executor reads its
/// inputs, writes its outputs, reports progress and metrics, and throws on failure. It must not
/// touch the store, the lineage database or the working tree.
///
/// Executors are values shared across threads; keep per-execution state inside `execute`.
public protocol StepExecutor: Sendable {
    /// The `kind = "..."` name.
    var kind: String { get }
    /// One line saying what the kind does (for help and docs).
    var summary: String { get }
    /// Bumped when the executor's semantics change, so old cache entries stop matching.
    var version: String { get }
    var schema: ParameterSchema { get }
    /// True for service kinds (`serve`): `execute` starts something and returns live endpoints
    /// instead of writing outputs. Services are never cached or stored; the runner starts one
    /// only when a dependent step actually runs, and stops it after its last dependent.
    var isService: Bool { get }
    /// True for kinds that keep resumable state while they run (`train`): the runner then
    /// claims the step key's resume directory and passes it as `context.resumeDirectory`.
    var keepsResumableState: Bool { get }

    /// The outputs the step will produce, given its checked parameters. Output names are what
    /// other steps reference (`"step.NAME"`); they may contain dots but not `/`.
    func outputs(for params: StepParameters) throws -> [OutputDeclaration]
    /// Extra checks beyond the schema (e.g. placeholders naming undeclared inputs); problems are
    /// reported with positions like schema errors. `inputNames` are the step's declared inputs.
    func validate(_ params: StepParameters, inputNames: [String]) -> [ParameterProblem]
    /// Whether the step's result depends on the run's seed; if not, the seed is left out of the
    /// key so that runs with different seeds share the step's cached result.
    func usesSeed(_ params: StepParameters) -> Bool

    func execute(_ context: StepContext) throws -> StepResult
}

extension StepExecutor {
    public var version: String { "1" }
    public var isService: Bool { false }
    public var keepsResumableState: Bool { false }
    public func validate(_ params: StepParameters, inputNames: [String]) -> [ParameterProblem] { [] }
    public func usesSeed(_ params: StepParameters) -> Bool { true }
}

/// One output a step declares.
public struct OutputDeclaration: Sendable, Equatable, Codable {
    /// What the step writes for this output.
    public enum Kind: String, Sendable, Codable {
        case file, directory
        /// A file or a directory, whichever the step writes.
        case any
        /// A live endpoint of a service step (never stored).
        case endpoint
    }

    public var name: String
    public var kind: Kind
    public var summary: String

    public init(_ name: String, _ kind: Kind, _ summary: String = "") {
        self.name = name
        self.kind = kind
        self.summary = summary
    }
}

/// What `execute` hands back besides the files it wrote.
public struct StepResult: Sendable {
    /// For service steps: output name → live endpoint.
    public var endpoints: [String: LiveEndpoint]
    /// Facts about the execution recorded as the step's `exec.*` params (the command line, the
    /// environment passed, the exit status). Not part of the key, not compared by replay.
    public var execution: [String: String]

    public init(endpoints: [String: LiveEndpoint] = [:], execution: [String: String] = [:]) {
        self.endpoints = endpoints
        self.execution = execution
    }
}

/// A running service's address (an OpenAI-compatible base URL, say) and how to stop it.
/// Dependents see the URL; their keys name the service step's key, never the URL.
public final class LiveEndpoint: Sendable {
    public let url: String
    private let stopHandler: @Sendable () -> Void
    private let stopped = Mutex(false)

    public init(url: String, stop: @escaping @Sendable () -> Void) {
        self.url = url
        self.stopHandler = stop
    }

    /// Stops the service; later calls do nothing.
    public func stop() {
        let first = stopped.withLock { wasStopped -> Bool in
            defer { wasStopped = true }
            return !wasStopped
        }
        if first { stopHandler() }
    }
}

/// Why a step failed, as the executor reports it.
public enum StepFailure: Error, CustomStringConvertible, Sendable {
    case parameter(String, String)
    case missingInput(String)
    case commandFailed(argv: [String], status: Int32, signal: Bool, stderrTail: String)
    case timedOut(seconds: Double)
    case missingOutput(String, directory: String)
    case undeclaredOutputs([String])
    case invalidInput(String, reason: String)
    case message(String)

    public var description: String {
        switch self {
        case .parameter(let name, let problem): return "parameter \(name): \(problem)"
        case .missingInput(let name): return "input \(name) was not provided"
        case .commandFailed(let argv, let status, let signal, let tail):
            let head = argv.first ?? "command"
            var text = signal ? "\(head) was killed by signal \(status)" : "\(head) exited with status \(status)"
            if !tail.isEmpty { text += "; last lines of its standard error:\n" + tail }
            return text
        case .timedOut(let seconds): return "timed out after \(seconds) s"
        case .missingOutput(let name, let directory): return "the step did not write its declared output \"\(name)\" (expected \(directory)/\(name))"
        case .undeclaredOutputs(let names): return "the step wrote outputs it does not declare: \(names.joined(separator: ", ")); declare them or write them elsewhere"
        case .invalidInput(let name, let reason): return "input \(name): \(reason)"
        case .message(let text): return text
        }
    }
}
