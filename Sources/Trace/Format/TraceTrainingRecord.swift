// The IOPO training record: LLaMA-Factory's "sharegpt" ranking format as released with IOPO.
//
//   {"conversations": [{"from": "human", "value": x1}, {"from": "human", "value": x2}],
//    "chosen": {"from": "gpt", "value": y1}, "rejected": {"from": "gpt", "value": y2}}
//
// "rejected" is not a bad answer: it is the answer to x2. The released sample file is a JSON list
// of such records written with `JSONWriter.releasedTrainingExample`. Our own shards are JSONL in
// Python's compact style and may carry an extension member `meta` after `rejected`.

import Basics

/// One turn of a sharegpt conversation (`from` is "human" or "gpt").
public struct ShareGPTTurn: Sendable, Hashable, Codable {
    public var from: String
    public var value: String

    public init(from: String, value: String) {
        self.from = from
        self.value = value
    }

    var jsonValue: JSONValue {
        .object([JSONMember("from", .string(from)), JSONMember("value", .string(value))])
    }

    init(json: JSONValue, location: TraceLocation, path: String) throws(TraceFormatError) {
        let fields = try JSONFieldReader(json, location: location, path: path)
        from = try fields.string("from")
        value = try fields.string("value")
    }
}

/// An IOPO training record (x1, x2 in `conversations`; y1 `chosen`; y2 `rejected`).
public struct TraceTrainingRecord: Sendable, Hashable {
    public var conversations: [ShareGPTTurn]
    public var chosen: ShareGPTTurn
    public var rejected: ShareGPTTurn
    /// Extension members after `rejected` (our shards write `meta`), kept in order.
    public var additionalFields: [JSONMember]

    public init(conversations: [ShareGPTTurn], chosen: ShareGPTTurn, rejected: ShareGPTTurn,
                additionalFields: [JSONMember] = []) {
        self.conversations = conversations
        self.chosen = chosen
        self.rejected = rejected
        self.additionalFields = additionalFields
    }

    /// The IOPO quadruple record: x1 and x2 as two human turns, y1 chosen, y2 rejected.
    public init(x1: String, y1: String, x2: String, y2: String, additionalFields: [JSONMember] = []) {
        self.init(conversations: [ShareGPTTurn(from: "human", value: x1), ShareGPTTurn(from: "human", value: x2)],
                  chosen: ShareGPTTurn(from: "gpt", value: y1),
                  rejected: ShareGPTTurn(from: "gpt", value: y2),
                  additionalFields: additionalFields)
    }

    /// x1, x2, y1, y2 when the record is an IOPO quadruple (exactly two human turns).
    public var quadruple: (x1: String, y1: String, x2: String, y2: String)? {
        guard conversations.count == 2, conversations.allSatisfy({ $0.from == "human" }) else { return nil }
        return (conversations[0].value, chosen.value, conversations[1].value, rejected.value)
    }

    static let standardKeys: Set<String> = ["conversations", "chosen", "rejected"]

    public init(json: JSONValue, location: TraceLocation) throws(TraceFormatError) {
        let fields = try JSONFieldReader(json, location: location)
        var turns: [ShareGPTTurn] = []
        for (i, element) in try fields.array("conversations").enumerated() {
            turns.append(try ShareGPTTurn(json: element, location: location, path: "conversations[\(i)]"))
        }
        conversations = turns
        chosen = try ShareGPTTurn(json: try fields.value("chosen"), location: location, path: "chosen")
        rejected = try ShareGPTTurn(json: try fields.value("rejected"), location: location, path: "rejected")
        additionalFields = fields.members.filter { !TraceTrainingRecord.standardKeys.contains($0.key) }
    }

    public var jsonValue: JSONValue {
        .object([
            JSONMember("conversations", .array(conversations.map(\.jsonValue))),
            JSONMember("chosen", chosen.jsonValue),
            JSONMember("rejected", rejected.jsonValue),
        ] + additionalFields)
    }

    /// One JSONL line in Python's compact style.
    public var jsonLine: String { JSONWriter.python.string(jsonValue) }

    /// A JSON list file of records, as LLaMA-Factory reads it. `writer` defaults to the released
    /// sample's whitespace, which reproduces trace_train_example.json byte for byte.
    public static func jsonListFile(_ records: [TraceTrainingRecord],
                                    writer: JSONWriter = .releasedTrainingExample) -> String {
        writer.string(.array(records.map(\.jsonValue)))
    }
}

/// A single-prompt supervised example in sharegpt format: one human turn, one gpt turn.
public struct SFTRecord: Sendable, Hashable {
    public var prompt: String
    public var response: String
    public var additionalFields: [JSONMember]

    public init(prompt: String, response: String, additionalFields: [JSONMember] = []) {
        self.prompt = prompt
        self.response = response
        self.additionalFields = additionalFields
    }

    public var jsonValue: JSONValue {
        .object([
            JSONMember("conversations", .array([
                ShareGPTTurn(from: "human", value: prompt).jsonValue,
                ShareGPTTurn(from: "gpt", value: response).jsonValue,
            ])),
        ] + additionalFields)
    }

    public var jsonLine: String { JSONWriter.python.string(jsonValue) }
}

/// A single-prompt preference pair in sharegpt ranking format (the DPO baseline's data).
public struct PreferenceRecord: Sendable, Hashable {
    public var prompt: String
    public var chosen: String
    public var rejected: String
    public var additionalFields: [JSONMember]

    public init(prompt: String, chosen: String, rejected: String, additionalFields: [JSONMember] = []) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
        self.additionalFields = additionalFields
    }

    public var jsonValue: JSONValue {
        .object([
            JSONMember("conversations", .array([ShareGPTTurn(from: "human", value: prompt).jsonValue])),
            JSONMember("chosen", ShareGPTTurn(from: "gpt", value: chosen).jsonValue),
            JSONMember("rejected", ShareGPTTurn(from: "gpt", value: rejected).jsonValue),
        ] + additionalFields)
    }

    public var jsonLine: String { JSONWriter.python.string(jsonValue) }
}
