import Foundation
import Lineage
import Pipeline
import Store
import TestKit
import Testing

/// A scratch directory with a fresh store, for one test.
struct Sandbox {
    let directory: URL
    let store: ObjectStore
    let lineage: LineageDatabase

    private let scratch = TemporaryDirectory(prefix: "iopo-pipeline-test")

    init() throws {
        directory = scratch.url
        try ObjectStore.initialize(at: directory.appendingPathComponent("store"))
        store = try ObjectStore(root: directory.appendingPathComponent("store"), access: .write)
        lineage = try LineageDatabase(store: store)
    }

    func cleanup() { scratch.remove() }

    func path(_ name: String) -> URL { scratch.file(name) }
    func write(_ text: String, to name: String) throws { try scratch.write(text, to: name) }
    func read(_ name: String) -> String { scratch.read(name) }

    var registry: StepRegistry {
        var registry = StepRegistry.standard
        registry.register(TestOnlyExecutor())
        registry.register(TestServiceExecutor())
        return registry
    }

    func parse(_ text: String, name: String = "exp.toml") throws -> ExperimentSpec {
        try write(text, to: name)
        return try ExperimentParser(registry: registry).parse(contentsOf: path(name).path)
    }

    func runner() -> PipelineRunner { PipelineRunner(lineage: lineage, registry: registry) }

    func options() -> RunOptions {
        var options = RunOptions(engineVersion: "test 1")
        options.gitDirectory = directory
        return options
    }

    /// How many lines a counter file has (executors append one per execution).
    func count(_ name: String, _ line: String) -> Int {
        read(name).split(separator: "\n").filter { $0 == line }.count
    }
}

/// `kind = "test-only"`: writes `out` = text + its inputs' contents (+ seed, + endpoint), records
/// a final metric and a curve, appends its name to a counter file, and can be told to fail.
struct TestOnlyExecutor: StepExecutor {
    let kind = "test-only"
    let summary = "test step"
    var schema: ParameterSchema {
        ParameterSchema([
            .optional("text", .string, default: .string("")),
            .optional("data", .inputList, default: .array([])),
            .optional("endpoint", .input),
            .optional("seeded", .boolean, default: .bool(false)),
            .optional("fail_unless", .string, "a file that must exist, or the step fails"),
            .optional("counter", .string),
            .optional("curve", .integer, default: .integer(0)),
            .optional("rate", .number, default: .number(0.5)),
            .optional("model", .modelName),
            .optional("wait_for", .string, "a file to wait for before finishing"),
        ])
    }

    func outputs(for params: StepParameters) throws -> [OutputDeclaration] { [OutputDeclaration("out", .file)] }
    func usesSeed(_ params: StepParameters) -> Bool { params["seeded"]?.boolValue == true }

    func execute(_ context: StepContext) throws -> StepResult {
        if let counter = context.params["counter"]?.stringValue {
            let old = (try? String(contentsOfFile: counter, encoding: .utf8)) ?? ""
            try (old + context.stepName + "\n").write(toFile: counter, atomically: true, encoding: .utf8)
        }
        if let required = context.params["fail_unless"]?.stringValue, !FileManager.default.fileExists(atPath: required) {
            throw StepFailure.message("told to fail: \(required) is missing")
        }
        var text = try context.params.string("text")
        for input in context.inputs(under: "data") {
            text += "|" + (try String(contentsOf: input.url!, encoding: .utf8))
        }
        if let endpoint = context.inputs["endpoint"]?.endpoint { text += "|endpoint=" + endpoint }
        if context.params["seeded"]?.boolValue == true { text += "|seed=\(context.seed)" }
        if let model = context.params["model"] { text += "|model=" + model.canonicalJSON }
        text += "|rate=\(try context.params.double("rate"))"
        try Data(text.utf8).write(to: context.outputURL("out"))
        context.metrics.record("length", Double(text.count))
        for i in 0..<(try context.params.int("curve")) {
            context.metrics.record("loss", 1.0 / Double(i + 1), index: i)
        }
        return StepResult(execution: ["note": "ran"])
    }
}

/// `kind = "test-serve"`: a service whose endpoint names the served input's id; appends
/// `start` / `stop` to a counter file.
struct TestServiceExecutor: StepExecutor {
    let kind = "test-serve"
    let summary = "test service"
    var isService: Bool { true }
    var schema: ParameterSchema {
        ParameterSchema([.required("model", .input), .optional("counter", .string), .optional("port", .integer, default: .integer(1))])
    }
    func outputs(for params: StepParameters) throws -> [OutputDeclaration] { [OutputDeclaration("endpoint", .endpoint)] }
    func execute(_ context: StepContext) throws -> StepResult {
        let counter = context.params["counter"]?.stringValue
        @Sendable func note(_ line: String) {
            guard let counter else { return }
            let old = (try? String(contentsOfFile: counter, encoding: .utf8)) ?? ""
            try? (old + line + "\n").write(toFile: counter, atomically: true, encoding: .utf8)
        }
        note("start")
        let model = try context.input("model")
        let url = "test://\(model.id.dropFirst(7).prefix(8)):\(try context.params.int("port"))"
        return StepResult(endpoints: ["endpoint": LiveEndpoint(url: url, stop: { note("stop") })])
    }
}

/// Runs the built `iopo-exp` binary in a scratch directory, as a user would.
struct CLIRun {
    let directory: URL

    @discardableResult
    func callAsFunction(_ arguments: [String], environment: [String: String?] = [:]) throws -> ProcessOutput {
        try IopoExpBinary.run(arguments, in: directory, environment: environment)
    }

    /// Starts the binary without waiting (for the SIGKILL and concurrency tests); its output
    /// goes to the files given, or nowhere.
    func start(_ arguments: [String], stdout: URL? = nil, stderr: URL? = nil) throws -> Process {
        try ProcessRunner.start(IopoExpBinary.path, arguments, in: directory, stdout: stdout, stderr: stderr)
    }
}

let repositoryRoot = SharedData.repositoryRoot
