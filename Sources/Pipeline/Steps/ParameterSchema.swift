/// The type of one step parameter, as a step kind declares it.
public indirect enum ParameterType: Sendable, Equatable, CustomStringConvertible {
    case string
    case integer
    /// An integer or a floating-point number; normalised to a number, so `1` and `1.0` agree.
    case number
    case boolean
    /// A string from a fixed list.
    case choice([String])
    case array(ParameterType)
    /// A table with free-form keys, every value of one type.
    case map(ParameterType)
    /// A table with declared keys (unknown keys are errors).
    case object([ParameterSpec])
    /// Anything (free-form settings passed through).
    case anyValue
    /// One input: `"step.output"`, `"step"` (its single output) or `"file:path"`.
    case input
    /// One input or an array of inputs; normalised to an array.
    case inputList
    /// A table of named inputs.
    case inputMap
    /// The name of a `[model.NAME]` table; normalised to that table's contents, so that editing
    /// the model changes the key of every step that uses it.
    case modelName

    public var description: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .number: return "number"
        case .boolean: return "boolean"
        case .choice(let options): return "one of " + options.map { "\"\($0)\"" }.joined(separator: ", ")
        case .array(let element): return "array of \(element)"
        case .map(let value): return "table of \(value)"
        case .object: return "table"
        case .anyValue: return "any value"
        case .input: return "input reference (\"step.output\" or \"file:path\")"
        case .inputList: return "input reference or array of input references"
        case .inputMap: return "table of input references"
        case .modelName: return "model name (a [model.NAME] table)"
        }
    }
}

/// One declared parameter of a step kind.
public struct ParameterSpec: Sendable, Equatable {
    /// Whether the parameter must be given, and what it is when it is not.
    public enum Requirement: Sendable, Equatable {
        case required
        case optional
        /// Optional, and filled in when absent so that writing the default changes no key.
        case defaultValue(SpecValue)
    }

    public var name: String
    public var type: ParameterType
    public var requirement: Requirement
    /// One line for `docs/experiments.md` and error hints.
    public var summary: String

    public init(_ name: String, _ type: ParameterType, _ requirement: Requirement = .optional, _ summary: String = "") {
        self.name = name
        self.type = type
        self.requirement = requirement
        self.summary = summary
    }

    public static func required(_ name: String, _ type: ParameterType, _ summary: String = "") -> ParameterSpec {
        ParameterSpec(name, type, .required, summary)
    }

    public static func optional(_ name: String, _ type: ParameterType, default value: SpecValue? = nil, _ summary: String = "") -> ParameterSpec {
        ParameterSpec(name, type, value.map { .defaultValue($0) } ?? .optional, summary)
    }
}

/// The parameters a step kind accepts. Every step also accepts `kind` and `description`.
public struct ParameterSchema: Sendable, Equatable {
    public var parameters: [ParameterSpec]

    public init(_ parameters: [ParameterSpec]) { self.parameters = parameters }

    public static let commonKeys = ["kind", "description"]
}

/// A problem with a step's parameters, at a path relative to the step's table.
public struct ParameterProblem: Sendable, Equatable {
    public var path: SpecPath
    public var message: String
    public var hint: String?
    /// Point at the key (unknown keys) rather than at the value (wrong types, bad references).
    public var atKey: Bool

    public init(path: SpecPath, message: String, hint: String? = nil, atKey: Bool = false) {
        self.path = path
        self.message = message
        self.hint = hint
        self.atKey = atKey
    }
}

/// An input parameter found while checking a step: its name (the parameter path, `data`,
/// `data[1]`, `inputs.config`) and where it points.
public struct DeclaredInput: Sendable, Equatable {
    public var name: String
    public var path: SpecPath
    public var reference: InputReference
}

/// Checks a step's table against its kind's schema and normalises it.
struct ParameterChecker {
    var models: [String: SpecValue]
    var problems: [ParameterProblem] = []
    var inputs: [DeclaredInput] = []

    init(models: [String: SpecValue]) { self.models = models }

    /// Returns the normalised parameters (defaults filled in, numbers unified, single inputs in
    /// arrays where the type says so, model names replaced by the model's table).
    mutating func check(_ table: [String: SpecValue], schema: ParameterSchema) -> [String: SpecValue] {
        var normalised: [String: SpecValue] = [:]
        let declared = schema.parameters.map(\.name)
        for key in table.keys.sorted() where !ParameterSchema.commonKeys.contains(key) && !declared.contains(key) {
            problems.append(ParameterProblem(path: SpecPath(keys: [key]), message: "unknown parameter \"\(key)\"",
                                             hint: NearestName.hint(for: key, among: declared + ParameterSchema.commonKeys, what: "parameter"), atKey: true))
        }
        if let description = table["description"] {
            if description.stringValue == nil {
                problems.append(ParameterProblem(path: SpecPath(keys: ["description"]), message: "expected a string, found \(description.typeName)"))
            } else {
                normalised["description"] = description
            }
        }
        normalised.merge(checkObject(table, specs: schema.parameters, at: .root, reportUnknown: false)) { a, _ in a }
        return normalised
    }

    mutating func checkObject(_ table: [String: SpecValue], specs: [ParameterSpec], at path: SpecPath, reportUnknown: Bool) -> [String: SpecValue] {
        var out: [String: SpecValue] = [:]
        if reportUnknown {
            let names = specs.map(\.name)
            for key in table.keys.sorted() where !names.contains(key) {
                problems.append(ParameterProblem(path: path.appending(key), message: "unknown key \"\(key)\"",
                                                 hint: NearestName.hint(for: key, among: names, what: "key"), atKey: true))
            }
        }
        for spec in specs {
            let child = path.appending(spec.name)
            if let value = table[spec.name] {
                if let checked = checkValue(value, type: spec.type, at: child) { out[spec.name] = checked }
            } else {
                switch spec.requirement {
                case .required:
                    problems.append(ParameterProblem(path: path, message: path.isEmpty
                        ? "missing required parameter \"\(spec.name)\" (\(spec.type))"
                        : "missing required key \"\(spec.name)\" (\(spec.type))", atKey: true))
                case .optional: break
                case .defaultValue(let value): out[spec.name] = value
                }
            }
        }
        return out
    }

    private mutating func mismatch(_ value: SpecValue, _ type: ParameterType, at path: SpecPath) -> SpecValue? {
        problems.append(ParameterProblem(path: path, message: "expected \(type), found \(value.typeName)\(value.stringValue.map { " \"\($0)\"" } ?? "")"))
        return nil
    }

    private mutating func checkValue(_ value: SpecValue, type: ParameterType, at path: SpecPath) -> SpecValue? {
        switch type {
        case .string:
            return value.stringValue != nil ? value : mismatch(value, type, at: path)
        case .integer:
            return value.intValue != nil ? value : mismatch(value, type, at: path)
        case .number:
            guard let d = value.doubleValue else { return mismatch(value, type, at: path) }
            return .number(d)
        case .boolean:
            return value.boolValue != nil ? value : mismatch(value, type, at: path)
        case .choice(let options):
            guard let s = value.stringValue else { return mismatch(value, type, at: path) }
            guard options.contains(s) else {
                problems.append(ParameterProblem(path: path, message: "\"\(s)\" is not \(type)", hint: NearestName.suggestion(for: s, among: options).map { "did you mean \"\($0)\"?" }))
                return nil
            }
            return value
        case .array(let element):
            guard let items = value.arrayValue else { return mismatch(value, type, at: path) }
            var out: [SpecValue] = []
            for (i, item) in items.enumerated() {
                if let checked = checkValue(item, type: element, at: path.appending(index: i)) { out.append(checked) }
            }
            return .array(out)
        case .map(let element):
            guard let table = value.tableValue else { return mismatch(value, type, at: path) }
            var out: [String: SpecValue] = [:]
            for key in table.keys.sorted() {
                if let checked = checkValue(table[key]!, type: element, at: path.appending(key)) { out[key] = checked }
            }
            return .table(out)
        case .object(let specs):
            guard let table = value.tableValue else { return mismatch(value, type, at: path) }
            return .table(checkObject(table, specs: specs, at: path, reportUnknown: true))
        case .anyValue:
            return value
        case .input:
            guard let text = value.stringValue else { return mismatch(value, type, at: path) }
            return addInput(text, at: path) ? value : nil
        case .inputList:
            if let text = value.stringValue {
                return addInput(text, at: path.appending(index: 0)) ? .array([value]) : nil
            }
            guard let items = value.arrayValue else { return mismatch(value, type, at: path) }
            var ok = true
            for (i, item) in items.enumerated() {
                guard let text = item.stringValue else { _ = mismatch(item, .input, at: path.appending(index: i)); ok = false; continue }
                ok = addInput(text, at: path.appending(index: i)) && ok
            }
            return ok ? value : nil
        case .inputMap:
            guard let table = value.tableValue else { return mismatch(value, type, at: path) }
            var ok = true
            for key in table.keys.sorted() {
                guard let text = table[key]!.stringValue else { _ = mismatch(table[key]!, .input, at: path.appending(key)); ok = false; continue }
                ok = addInput(text, at: path.appending(key)) && ok
            }
            return ok ? value : nil
        case .modelName:
            guard let name = value.stringValue else { return mismatch(value, type, at: path) }
            guard let model = models[name] else {
                problems.append(ParameterProblem(path: path, message: "no model named \"\(name)\"",
                                                 hint: NearestName.hint(for: name, among: models.keys.sorted(), what: "model")))
                return nil
            }
            return model
        }
    }

    /// Records an input; the parser resolves and checks it once every step is known.
    private mutating func addInput(_ text: String, at path: SpecPath) -> Bool {
        guard !text.isEmpty else {
            problems.append(ParameterProblem(path: path, message: "an input reference cannot be empty", hint: "write \"step.output\" or \"file:path\""))
            return false
        }
        inputs.append(DeclaredInput(name: path.description, path: path, reference: InputReference(parsing: text)))
        return true
    }
}
