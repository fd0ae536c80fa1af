import Engine
import Foundation
import TOMLKit

/// Reads and validates experiment files. Everything is checked before anything runs: unknown
/// keys (with the nearest valid name), types, required parameters, references to steps, outputs
/// and files, and cycles. All problems are reported at once, each with file, line and column.
public struct ExperimentParser: Sendable {
    public var registry: StepRegistry
    /// Check that `file:` inputs exist (off for a replay, which reads them from the store, and
    /// for validating a configuration meant for another machine).
    public var checkFiles: Bool
    public var environment: [String: String]

    public init(registry: StepRegistry, checkFiles: Bool = true, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.registry = registry
        self.checkFiles = checkFiles
        self.environment = environment
    }

    public static let topLevelKeys = ["experiment", "engine", "model", "steps"]

    static let experimentSchema: [ParameterSpec] = [
        .required("name", .string, "Experiment name; runs are listed under it."),
        .optional("description", .string, "Free text."),
        .optional("seeds", .array(.integer), default: .array([.integer(1)]), "One run per seed."),
    ]

    static let engineSchema: [ParameterSpec] = [
        .optional("blas", .string, "OpenBLAS kernel family to pin (haswell, skylakex, …)."),
        .optional("threads", .integer, default: .integer(1), "OpenBLAS threads."),
    ]

    /// Reads `path` and parses it; `file:` inputs resolve relative to its directory.
    /// `overrides` (`run --set`) replace values of the file before it is validated.
    public func parse(contentsOf path: String, overrides: [SpecOverride] = []) throws -> ExperimentSpec {
        let text = try ConfigDocument.experiment.readText(path)
        return try parse(text: text, file: path, directory: URL(fileURLWithPath: path).deletingLastPathComponent(), overrides: overrides)
    }

    /// Parses experiment text. `directory` anchors `file:` inputs (nil: leave them unresolved).
    /// A problem in an overridden value is reported against its `--set` argument, not the file.
    public func parse(text: String, file: String, directory: URL?, overrides: [SpecOverride] = []) throws -> ExperimentSpec {
        let table = try ConfigDocument.experiment.parseTOML(text, file: file)
        let positions = SourcePositionIndex(text: text)
        var validation = Validation(file: file, positions: positions, overrides: overrides)
        let document = try SpecOverride.apply(overrides, to: validation.convert(table, at: .root))
        let spec = validate(document, text: text, file: file, directory: directory, validation: &validation)
        if !validation.diagnostics.isEmpty {
            throw ConfigDocument.experiment.invalid(validation.diagnostics)
        }
        var parsed = spec!
        parsed.overrides = overrides
        return parsed
    }

    private func validate(_ document: [String: SpecValue], text: String, file: String, directory: URL?, validation v: inout Validation) -> ExperimentSpec? {
        for key in document.keys.sorted() where !ExperimentParser.topLevelKeys.contains(key) {
            v.report(SpecPath(keys: [key]), "unknown section \"\(key)\"", hint: NearestName.hint(for: key, among: ExperimentParser.topLevelKeys, what: "section"), atKey: true)
        }

        // [experiment]
        var name = ""
        var description: String?
        var seeds = [1]
        if let section = v.section(document, "experiment", required: true) {
            var checker = ParameterChecker(models: [:])
            let checked = checker.checkObject(section, specs: ExperimentParser.experimentSchema, at: SpecPath(keys: ["experiment"]), reportUnknown: true)
            v.report(checker.problems, under: .root)
            name = checked["name"]?.stringValue ?? ""
            description = checked["description"]?.stringValue
            if let list = checked["seeds"]?.arrayValue {
                let values = list.compactMap(\.intValue)
                let path = SpecPath(keys: ["experiment", "seeds"])
                if values.isEmpty { v.report(path, "give at least one seed", preferValue: true) }
                if Set(values).count != values.count { v.report(path, "seeds repeat", hint: "each seed runs once; list distinct seeds", preferValue: true) }
                if let negative = values.first(where: { $0 < 0 }) { v.report(path, "seed \(negative) is negative", preferValue: true) }
                seeds = values
            }
            if section["name"] != nil && name.isEmpty { v.report(SpecPath(keys: ["experiment", "name"]), "the name cannot be empty", preferValue: true) }
        }

        // [engine]
        var engine = EngineSettings(blas: nil, threads: 1)
        if let section = v.section(document, "engine", required: false) {
            var checker = ParameterChecker(models: [:])
            let checked = checker.checkObject(section, specs: ExperimentParser.engineSchema, at: SpecPath(keys: ["engine"]), reportUnknown: true)
            v.report(checker.problems, under: .root)
            engine.blas = checked["blas"]?.stringValue?.lowercased()
            if let blas = engine.blas, BLASKernelFamily(name: blas) == nil {
                let families = BLASKernelFamily.allCases.map { $0.rawValue.lowercased() }
                v.report(SpecPath(keys: ["engine", "blas"]), "\"\(blas)\" is not an OpenBLAS kernel family",
                         hint: NearestName.hint(for: blas, among: families, what: "kernel family"), preferValue: true)
            }
            engine.threads = checked["threads"]?.intValue ?? 1
            if engine.threads < 1 { v.report(SpecPath(keys: ["engine", "threads"]), "threads must be at least 1", preferValue: true) }
        }

        // [model.NAME]
        var models: [String: SpecValue] = [:]
        if let section = v.section(document, "model", required: false) {
            for key in section.keys.sorted() {
                if case .table = section[key]! { models[key] = section[key]! } else {
                    v.report(SpecPath(keys: ["model", key]), "expected a table of model settings ([model.\(key)]), found \(section[key]!.typeName)", preferValue: true)
                }
            }
        }

        // [steps.NAME]
        var steps: [String: StepSpec] = [:]
        var declaredInputs: [String: [DeclaredInput]] = [:]
        let stepsSection = v.section(document, "steps", required: true) ?? [:]
        if document["steps"] != nil && stepsSection.isEmpty { v.report(SpecPath(keys: ["steps"]), "the experiment has no steps") }
        for stepName in stepsSection.keys.sorted() {
            let path = SpecPath(keys: ["steps", stepName])
            guard case .table(let table) = stepsSection[stepName]! else {
                v.report(path, "expected a table ([steps.\(stepName)]), found \(stepsSection[stepName]!.typeName)", preferValue: true)
                continue
            }
            if !SpecPath.isBareKey(stepName) {
                v.report(path, "step name \"\(stepName)\" may contain only letters, digits, _ and -", hint: "references split \"step.output\" at the first dot")
                continue
            }
            guard let kindValue = table["kind"] else {
                v.report(path, "missing required key \"kind\"", hint: "one of " + registry.kinds.joined(separator: ", "))
                continue
            }
            guard let kind = kindValue.stringValue else {
                v.report(path.appending("kind"), "expected a string, found \(kindValue.typeName)", preferValue: true)
                continue
            }
            guard let executor = registry.executor(for: kind) else {
                v.report(path.appending("kind"), "unknown step kind \"\(kind)\"", hint: NearestName.hint(for: kind, among: registry.kinds, what: "kind"), preferValue: true)
                continue
            }
            var checker = ParameterChecker(models: models)
            let normalised = checker.check(table, schema: executor.schema)
            v.report(checker.problems, under: path)
            if !checker.problems.isEmpty { continue }
            let params = StepParameters(normalised)
            let extra = executor.validate(params, inputNames: checker.inputs.map(\.name))
            v.report(extra, under: path)
            var outputs: [OutputDeclaration] = []
            do { outputs = try executor.outputs(for: params) } catch {
                v.report(path, "cannot determine the step's outputs: \(error)")
                continue
            }
            if !extra.isEmpty { continue }
            declaredInputs[stepName] = checker.inputs
            steps[stepName] = StepSpec(name: stepName, kind: kind, params: params, inputs: [], outputs: outputs,
                                       isService: executor.isService, usesSeed: executor.usesSeed(params), position: v.positions.position(of: path))
        }

        // References, now that every step's outputs are known.
        for stepName in steps.keys.sorted() {
            let path = SpecPath(keys: ["steps", stepName])
            for declared in declaredInputs[stepName] ?? [] {
                let at = path.appending(declared.path)
                let position = v.positions.position(of: at, preferValue: true)
                switch declared.reference {
                case .file(let relative):
                    var resolved: URL?
                    if let directory, checkFiles {
                        let (expanded, missing) = InputReference.expandVariables(relative, environment: environment)
                        if let missing {
                            v.report(at, "the environment variable \(missing) is not set", hint: "set it or write the path literally", preferValue: true)
                            continue
                        }
                        let url = expanded!.hasPrefix("/") ? URL(fileURLWithPath: expanded!) : directory.appendingPathComponent(expanded!)
                        if !FileManager.default.fileExists(atPath: url.path) {
                            v.report(at, "no file or directory \(url.standardizedFileURL.path)", hint: "file: paths are relative to the experiment file", preferValue: true)
                            continue
                        }
                        resolved = url.standardizedFileURL
                    }
                    steps[stepName]!.inputs.append(StepInput(name: declared.name, path: declared.path, source: .file(reference: relative, path: resolved), isEndpoint: false, position: position))
                case .stepOutput(let target, let outputName):
                    guard let source = steps[target] else {
                        if stepsSection[target] != nil { continue } // that step is invalid; reported already
                        let names = stepsSection.keys.sorted().filter { $0 != stepName }
                        v.report(at, "no step named \"\(target)\"", hint: NearestName.hint(for: target, among: names, what: "step"), preferValue: true)
                        continue
                    }
                    let output: String
                    if let outputName {
                        guard source.output(outputName) != nil else {
                            let names = source.outputs.map(\.name)
                            v.report(at, "step \"\(target)\" has no output \"\(outputName)\"", hint: NearestName.hint(for: outputName, among: names, what: "output"), preferValue: true)
                            continue
                        }
                        output = outputName
                    } else {
                        guard source.outputs.count == 1 else {
                            let names = source.outputs.map { "\"\(target).\($0.name)\"" }.joined(separator: ", ")
                            v.report(at, "step \"\(target)\" has \(source.outputs.count) outputs; name one", hint: source.outputs.isEmpty ? "it has none" : "write one of \(names)", preferValue: true)
                            continue
                        }
                        output = source.outputs[0].name
                    }
                    let isEndpoint = source.output(output)?.kind == .endpoint
                    steps[stepName]!.inputs.append(StepInput(name: declared.name, path: declared.path, source: .step(target, output: output), isEndpoint: isEndpoint, position: position))
                }
            }
        }

        let order = dependencyOrder(steps, validation: &v)
        guard v.diagnostics.isEmpty else { return nil }
        return ExperimentSpec(file: file, source: text, name: name, description: description, seeds: seeds, engine: engine,
                              models: models, steps: steps, order: order, positions: v.positions)
    }

    /// Orders steps so that every step comes after those it takes inputs from; among steps
    /// free to go, the one written first in the file goes first. Reports every cycle.
    private func dependencyOrder(_ steps: [String: StepSpec], validation v: inout Validation) -> [String] {
        // Cycles: depth-first search; a reference to a step on the current path closes a cycle.
        var state: [String: Int] = [:] // 1 on the path, 2 done
        var reported = Set<Set<String>>()
        func visit(_ name: String, _ path: [String]) {
            state[name] = 1
            let step = steps[name]!
            for input in step.inputs {
                guard case .step(let target, _) = input.source, steps[target] != nil else { continue }
                if state[target] == 1 {
                    let cycle = Array(path.drop { $0 != target }) + [name]
                    if reported.insert(Set(cycle)).inserted {
                        let shown = (cycle + [target]).joined(separator: " → ")
                        v.diagnostics.append(ConfigDiagnostic(file: v.file, position: input.position, field: "steps.\(name).\(input.name)",
                                                                  message: "dependency cycle: \(shown)", hint: "a step cannot depend on its own outputs"))
                    }
                } else if state[target] == nil {
                    visit(target, path + [name])
                }
            }
            state[name] = 2
        }
        let byPosition = steps.keys.sorted { (steps[$0]!.position, $0) < (steps[$1]!.position, $1) }
        for name in byPosition where state[name] == nil { visit(name, []) }
        guard v.diagnostics.isEmpty else { return byPosition }

        var remaining = Set(steps.keys)
        var order: [String] = []
        while !remaining.isEmpty {
            guard let next = byPosition.first(where: { remaining.contains($0) && steps[$0]!.dependencies.allSatisfy { !remaining.contains($0) } }) else { break }
            order.append(next)
            remaining.remove(next)
        }
        return order
    }
}

/// Collects diagnostics while validating, turning paths into positions.
struct Validation {
    var file: String
    var positions: SourcePositionIndex
    /// `run --set` values: problems at or under one of their paths are the argument's, not the file's.
    var overrides: [SpecOverride] = []
    var diagnostics: [ConfigDiagnostic] = []

    mutating func report(_ path: SpecPath, _ message: String, hint: String? = nil, atKey: Bool = false, preferValue: Bool = false) {
        if let override = overrides.last(where: { path.relative(to: $0.path) != nil }) {
            diagnostics.append(ConfigDiagnostic(file: file, position: .start, field: path.description, message: message, hint: hint, override: override.description))
            return
        }
        let position = positions.position(of: path, preferValue: preferValue && !atKey)
        diagnostics.append(ConfigDiagnostic(file: file, position: position, field: path.description, message: message, hint: hint))
    }

    mutating func report(_ problems: [ParameterProblem], under base: SpecPath) {
        for problem in problems {
            report(base.appending(problem.path), problem.message, hint: problem.hint, atKey: problem.atKey, preferValue: !problem.atKey)
        }
    }

    /// A top-level section as a table, or nil (reporting when it is required or not a table).
    mutating func section(_ document: [String: SpecValue], _ name: String, required: Bool) -> [String: SpecValue]? {
        guard let value = document[name] else {
            if required { report(.root, "missing section [\(name)]", hint: name == "steps" ? "add at least one [steps.NAME] table" : "add an [\(name)] table with name = \"...\"") }
            return nil
        }
        guard case .table(let table) = value else {
            report(SpecPath(keys: [name]), "expected a table ([\(name)]), found \(value.typeName)", preferValue: true)
            return nil
        }
        return table
    }

    /// TOMLKit's tree → `SpecValue`, refusing dates and times (no step parameter takes one).
    mutating func convert(_ table: TOMLTable, at path: SpecPath) -> [String: SpecValue] {
        TOMLConversion.table(table, at: path) { report($0, "dates and times are not supported here", hint: "write it as a string", preferValue: true) }
    }
}
