// The TRACE evaluation record: one JSON object per line of trace_eval.jsonl.
//
// Key order and bytes follow the real file exactly (`json.dumps(record, ensure_ascii=False)`):
// id, messages, type, description, constraints, input, constraints_num, constraints_splits,
// levels2, category. Our synthetic records append one extension field, `checks`, after
// `category`: the machine-readable constraint specs (one per constraint, in order) that the rule
// judge needs. Other unknown fields of a file being read are kept and written back in place order.

import Basics

/// One chat message (`role`, `content`) of an evaluation record.
public struct ChatMessage: Sendable, Hashable, Codable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A TRACE evaluation record, as in trace_eval.jsonl, plus optional constraint checks.
public struct TraceEvalRecord: Sendable, Hashable {
    public var id: String
    public var messages: [ChatMessage]
    public var type: String
    public var description: String
    /// The numbered constraints joined by "\n".
    public var constraints: String
    /// The input text, or "NULL" when the instruction has none.
    public var input: String
    public var constraintsNum: Int
    public var constraintsSplits: [String]
    /// One dimension label per constraint (see `TraceDimension.levels2Label`).
    public var levels2: [String]
    public var category: String
    /// Extension: rule-checkable specs, one per constraint (synthetic data only).
    public var checks: [ConstraintSpec]?
    /// Unknown fields of a record read from a file, kept in order so it writes back unchanged.
    public var additionalFields: [JSONMember]

    /// The system prompt of every TRACE record and of the evaluation protocol.
    public static let systemPrompt = "You are a helpful assistant."
    /// The `input` value of records without an input.
    public static let noInput = "NULL"
    /// The `type` value of every TRACE record.
    public static let recordType = "trace"

    /// The TRACE user message: description, "\n", the constraints, "\n", then
    /// "# Inputs:\n" + input + "\n" when there is an input. Holds for all 1,042 real records.
    public static func userMessage(description: String, constraints: String, input: String?) -> String {
        var message = description + "\n" + constraints + "\n"
        if let input, input != noInput {
            message += "# Inputs:\n" + input + "\n"
        }
        return message
    }

    /// Builds a record from its parts, deriving `messages`, `constraints` and `constraints_num`.
    public init(id: String, description: String, constraintsSplits: [String], input: String?,
                levels2: [String], category: String, checks: [ConstraintSpec]? = nil) {
        let constraints = constraintsSplits.joined(separator: "\n")
        self.id = id
        self.messages = [
            ChatMessage(role: "system", content: TraceEvalRecord.systemPrompt),
            ChatMessage(role: "user", content: TraceEvalRecord.userMessage(
                description: description, constraints: constraints, input: input)),
        ]
        self.type = TraceEvalRecord.recordType
        self.description = description
        self.constraints = constraints
        self.input = input ?? TraceEvalRecord.noInput
        self.constraintsNum = constraintsSplits.count
        self.constraintsSplits = constraintsSplits
        self.levels2 = levels2
        self.category = category
        self.checks = checks
        self.additionalFields = []
    }

    public var hasInput: Bool { input != TraceEvalRecord.noInput }

    /// The user message (the prompt to send after the system prompt).
    public var userContent: String { messages.last(where: { $0.role == "user" })?.content ?? "" }

    /// The dimensions of the constraints, resolving aliases and the ditto label.
    public var dimensions: [TraceDimension]? {
        try? TraceDimension.resolve(levels2: levels2).get()
    }

    static let standardKeys: Set<String> = [
        "id", "messages", "type", "description", "constraints", "input", "constraints_num",
        "constraints_splits", "levels2", "category", "checks",
    ]

    /// Reads and validates a record: field types, constraints_num against splits and levels2,
    /// known levels2 labels, constraints text, and the [system, user] messages with the user
    /// message built by `userMessage`.
    public init(json: JSONValue, location: TraceLocation) throws(TraceFormatError) {
        let fields = try JSONFieldReader(json, location: location)
        id = try fields.string("id")
        var messages: [ChatMessage] = []
        for (i, element) in try fields.array("messages").enumerated() {
            let message = try JSONFieldReader(element, location: location, path: "messages[\(i)]")
            messages.append(ChatMessage(role: try message.string("role"), content: try message.string("content")))
        }
        self.messages = messages
        type = try fields.string("type")
        description = try fields.string("description")
        constraints = try fields.string("constraints")
        input = try fields.string("input")
        constraintsNum = try fields.int("constraints_num")
        constraintsSplits = try fields.stringArray("constraints_splits")
        levels2 = try fields.stringArray("levels2")
        category = try fields.string("category")
        if fields.has("checks") {
            var specs: [ConstraintSpec] = []
            for (i, element) in try fields.array("checks").enumerated() {
                do throws(ConstraintSpecError) {
                    specs.append(try ConstraintSpec(json: element))
                } catch {
                    throw .invalidChecks(location, index: i, reason: error.description)
                }
            }
            checks = specs
        } else {
            checks = nil
        }
        additionalFields = fields.members.filter { !TraceEvalRecord.standardKeys.contains($0.key) }

        guard constraintsNum == constraintsSplits.count, constraintsNum == levels2.count else {
            throw .countMismatch(location, constraintsNum: constraintsNum,
                                 splits: constraintsSplits.count, levels2: levels2.count)
        }
        if case .failure(let unresolved) = TraceDimension.resolve(levels2: levels2) {
            throw .unknownLevels2Label(location, index: unresolved.index, label: unresolved.label)
        }
        if let checks, checks.count != constraintsNum {
            throw .invalidChecks(location, index: checks.count,
                                 reason: "\(checks.count) checks for \(constraintsNum) constraints")
        }
        guard constraintsSplits.joined(separator: "\n") == constraints else {
            throw .constraintsTextMismatch(location)
        }
        guard messages.count == 2, messages[0].role == "system", messages[1].role == "user" else {
            throw .invalidMessages(location, reason: "expected [system, user], found [\(messages.map(\.role).joined(separator: ", "))]")
        }
        let expected = TraceEvalRecord.userMessage(description: description, constraints: constraints, input: input)
        guard messages[1].content == expected else {
            throw .invalidMessages(location, reason: "user message is not description + constraints (+ input) as TRACE builds it")
        }
    }

    /// The record as an ordered JSON object (standard fields, then `checks`, then unknown fields).
    public var jsonValue: JSONValue {
        var members: [JSONMember] = [
            JSONMember("id", .string(id)),
            JSONMember("messages", .array(messages.map {
                .object([JSONMember("role", .string($0.role)), JSONMember("content", .string($0.content))])
            })),
            JSONMember("type", .string(type)),
            JSONMember("description", .string(description)),
            JSONMember("constraints", .string(constraints)),
            JSONMember("input", .string(input)),
            JSONMember("constraints_num", .int(constraintsNum)),
            JSONMember("constraints_splits", .array(constraintsSplits.map { .string($0) })),
            JSONMember("levels2", .array(levels2.map { .string($0) })),
            JSONMember("category", .string(category)),
        ]
        if let checks {
            members.append(JSONMember("checks", .array(checks.map(\.jsonValue))))
        }
        members.append(contentsOf: additionalFields)
        return .object(members)
    }

    /// The record as one JSONL line (no newline), byte-compatible with the real file.
    public var jsonLine: String { JSONWriter.python.string(jsonValue) }
}
