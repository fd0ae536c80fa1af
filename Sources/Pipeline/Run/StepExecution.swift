import Foundation
import Store

/// One input ready to hand to a step: a stored artifact, or a running service's endpoint.
struct ResolvedInput {
    enum Value {
        case artifact(ArtifactRef)
        /// `service` is the service step's name; `key` its key (the input's id is `endpoint:<key>`).
        case endpoint(service: String, output: String, key: String)
    }
    var input: StepInput
    var value: Value

    var id: String {
        switch value {
        case .artifact(let a): return a.id
        case .endpoint(_, _, let key): return "endpoint:" + key
        }
    }
}

/// What one execution produced, stored.
struct StepOutcome {
    var outputs: [String: ArtifactRef] = [:]
    var logs: [String: ArtifactRef] = [:]
    var metrics: [MetricsSink.Point] = []
    var execution: [String: String] = [:]
    var endpoints: [String: LiveEndpoint] = [:]

    /// The execution notes as recorded params, `exec.NAME`, sorted.
    var executionParams: [(String, String)] {
        execution.sorted { $0.key < $1.key }.map { ("exec.\($0.key)", $0.value) }
    }
}

/// A failed execution, with the logs stored so far (recorded even though the step failed).
struct StepExecutionError: Error {
    var message: String
    var logs: [String: ArtifactRef]
}

/// Runs one step in a scratch directory: extracts its inputs from the store (read-only),
/// calls the executor, checks that it wrote exactly its declared outputs, and stores them and
/// its logs. Shared by `run` and `replay`, so both execute a step the same way.
struct StepExecution {
    var store: ObjectStore
    var executor: any StepExecutor
    var step: StepSpec
    var directory: URL
    var seed: Int
    var engine: EngineEnvironment
    var reporter: any RunReporter
    /// Resumable state of this step's key (see `StepContext.resumeDirectory`); nil: none.
    var resumeDirectory: URL? = nil

    var inputsDirectory: URL { directory.appendingPathComponent("inputs") }
    var outputsDirectory: URL { directory.appendingPathComponent("outputs") }
    var logsDirectory: URL { directory.appendingPathComponent("logs") }

    /// `endpointURL` gives the URL of a service input (starting the service if need be).
    func run(inputs: [ResolvedInput], endpointURL: (String, String) throws -> String) throws -> StepOutcome {
        try Scratch.fresh(directory)
        for sub in [inputsDirectory, outputsDirectory, logsDirectory] {
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        }
        var materialised: [String: MaterializedInput] = [:]
        var usedNames = Set<String>()
        for resolved in inputs {
            switch resolved.value {
            case .artifact(let artifact):
                let name = StepExecution.materialisedName(resolved.input.name, artifact: artifact, taken: usedNames)
                usedNames.insert(name)
                let destination = inputsDirectory.appendingPathComponent(name)
                try store.get(try ObjectID(parsing: artifact.id), to: destination)
                Scratch.makeReadOnly(destination)
                materialised[resolved.input.name] = MaterializedInput(name: resolved.input.name, id: artifact.id,
                                                                      content: artifact.isDirectory ? .directory(destination) : .file(destination))
            case .endpoint(let service, let output, _):
                let url = try endpointURL(service, output)
                materialised[resolved.input.name] = MaterializedInput(name: resolved.input.name, id: resolved.id, content: .endpoint(url))
            }
        }

        let sink = MetricsSink()
        let context = StepContext(stepName: step.name, kind: step.kind, params: step.params, inputs: materialised, workDirectory: directory,
                                  outputDirectory: outputsDirectory, logDirectory: logsDirectory, seed: seed, engine: engine,
                                  progress: StepProgress(stepName: step.name, reporter: reporter), metrics: sink,
                                  resumeDirectory: resumeDirectory)
        let result: StepResult
        do { result = try executor.execute(context) } catch {
            throw StepExecutionError(message: "\(error)", logs: (try? storeLogs()) ?? [:])
        }
        var outcome = StepOutcome(metrics: sink.all, execution: result.execution, endpoints: result.endpoints)
        do {
            outcome.outputs = try storeOutputs(endpoints: result.endpoints)
        } catch {
            for endpoint in result.endpoints.values { endpoint.stop() }
            throw StepExecutionError(message: "\(error)", logs: (try? storeLogs()) ?? [:])
        }
        outcome.logs = try storeLogs()
        return outcome
    }

    /// Starts a service step: its executor returns live endpoints. Services cannot depend on
    /// services, so no endpoint input is served.
    func runService(inputs: [ResolvedInput]) throws -> StepOutcome {
        try run(inputs: inputs) { _, _ in throw StepFailure.message("services cannot depend on services") }
    }

    /// `inputs/NAME`: the input's name (without an `inputs.` prefix), plus the stored file's
    /// extension when the name has none, because programs often care (`train sft.yaml`).
    static func materialisedName(_ inputName: String, artifact: ArtifactRef, taken: Set<String>) -> String {
        var name = inputName.hasPrefix("inputs.") ? String(inputName.dropFirst("inputs.".count)) : inputName
        name = name.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "\"", with: "")
        if !artifact.isDirectory, !name.contains(".") {
            let last = artifact.name.split(separator: "/").last.map(String.init) ?? ""
            if let dot = last.lastIndex(of: "."), dot != last.startIndex {
                name += String(last[dot...])
            }
        }
        if taken.contains(name) { name = inputName.replacingOccurrences(of: "/", with: "_") }
        return name
    }

    private func storeOutputs(endpoints: [String: LiveEndpoint]) throws -> [String: ArtifactRef] {
        let fm = FileManager.default
        var stored: [String: ArtifactRef] = [:]
        let declared = step.outputs.filter { $0.kind != .endpoint }
        let written = ((try? fm.contentsOfDirectory(atPath: outputsDirectory.path)) ?? []).sorted()
        let extra = written.filter { name in !declared.contains { $0.name == name } }
        if !extra.isEmpty { throw StepFailure.undeclaredOutputs(extra) }
        for output in step.outputs where output.kind == .endpoint {
            guard endpoints[output.name] != nil else { throw StepFailure.message("the service did not provide its endpoint \"\(output.name)\"") }
        }
        for output in declared {
            let url = outputsDirectory.appendingPathComponent(output.name)
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw StepFailure.missingOutput(output.name, directory: "outputs")
            }
            if output.kind == .file && isDirectory.boolValue { throw StepFailure.message("output \"\(output.name)\" should be a file but is a directory") }
            if output.kind == .directory && !isDirectory.boolValue { throw StepFailure.message("output \"\(output.name)\" should be a directory but is a file") }
            let result = try store.add(path: url.path)
            stored[output.name] = ArtifactRef(result, name: "\(step.name).\(output.name)")
        }
        return stored
    }

    private func storeLogs() throws -> [String: ArtifactRef] {
        var stored: [String: ArtifactRef] = [:]
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: logsDirectory.path)) ?? []).sorted() {
            let url = logsDirectory.appendingPathComponent(name)
            let result = try store.add(path: url.path)
            stored[LogEdge.prefix + name] = ArtifactRef(result, name: "\(step.name).\(LogEdge.prefix)\(name)")
        }
        return stored
    }
}
