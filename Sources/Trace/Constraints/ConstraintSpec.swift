// The machine-readable form of one constraint: what a verifier needs, nothing about phrasing.
//
// One flat schema for every kind keeps eval files small and readable:
//   {"kind": "includeWords", "words": ["boat"]}
//   {"kind": "priorCondition", "words": ["yes", "no"], "option": "beach", "holds": true}
// Members are written in the order kind, words, number, option, holds; absent ones are omitted.

import Basics

/// Why a constraint spec is invalid.
public struct ConstraintSpecError: Error, Sendable, Hashable, CustomStringConvertible {
    public var kind: String
    public var reason: String
    public var description: String { "constraint '\(kind)': \(reason)" }
}

/// A rule-checkable constraint: its kind and the parameters its verifier reads.
public struct ConstraintSpec: Sendable, Hashable, Codable {
    public var kind: ConstraintKind
    /// Kind-specific words (required, forbidden, ordered steps, labels, columns, ...).
    public var words: [String]
    /// Kind-specific count or bound.
    public var number: Int?
    /// Kind-specific choice (tone, letter case, numbering style, theme, role, ...).
    public var option: String?
    /// priorCondition: whether the condition holds for the instruction it belongs to.
    public var holds: Bool?

    public init(_ kind: ConstraintKind, words: [String] = [], number: Int? = nil, option: String? = nil, holds: Bool? = nil) {
        self.kind = kind
        self.words = words
        self.number = number
        self.option = option
        self.holds = holds
    }

    public var dimension: TraceDimension { kind.dimension }

    enum CodingKeys: String, CodingKey { case kind, words, number, option, holds }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(ConstraintKind.self, forKey: .kind)
        words = try c.decodeIfPresent([String].self, forKey: .words) ?? []
        number = try c.decodeIfPresent(Int.self, forKey: .number)
        option = try c.decodeIfPresent(String.self, forKey: .option)
        holds = try c.decodeIfPresent(Bool.self, forKey: .holds)
        try validate()
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        if !words.isEmpty { try c.encode(words, forKey: .words) }
        try c.encodeIfPresent(number, forKey: .number)
        try c.encodeIfPresent(option, forKey: .option)
        try c.encodeIfPresent(holds, forKey: .holds)
    }

    /// The spec as an ordered JSON object (kind, words, number, option, holds).
    public var jsonValue: JSONValue {
        var members = [JSONMember("kind", .string(kind.rawValue))]
        if !words.isEmpty { members.append(JSONMember("words", .array(words.map { .string($0) }))) }
        if let number { members.append(JSONMember("number", .int(number))) }
        if let option { members.append(JSONMember("option", .string(option))) }
        if let holds { members.append(JSONMember("holds", .bool(holds))) }
        return .object(members)
    }

    /// Reads and validates a spec from JSON.
    public init(json: JSONValue) throws(ConstraintSpecError) {
        guard case .object(let members) = json else {
            throw ConstraintSpecError(kind: "?", reason: "expected an object, found \(json.typeName)")
        }
        func member(_ key: String) -> JSONValue? { members.last(where: { $0.key == key })?.value }
        guard let kindName = member("kind")?.stringValue else {
            throw ConstraintSpecError(kind: "?", reason: "missing string field 'kind'")
        }
        guard let kind = ConstraintKind(rawValue: kindName) else {
            throw ConstraintSpecError(kind: kindName, reason: "unknown kind")
        }
        self.kind = kind
        words = []
        if let w = member("words") {
            guard let array = w.arrayValue else { throw ConstraintSpecError(kind: kindName, reason: "'words' must be an array") }
            for element in array {
                guard let s = element.stringValue else { throw ConstraintSpecError(kind: kindName, reason: "'words' must hold strings") }
                words.append(s)
            }
        }
        if let n = member("number") {
            guard let value = n.intValue else { throw ConstraintSpecError(kind: kindName, reason: "'number' must be an integer") }
            number = value
        } else {
            number = nil
        }
        if let o = member("option") {
            guard let value = o.stringValue else { throw ConstraintSpecError(kind: kindName, reason: "'option' must be a string") }
            option = value
        } else {
            option = nil
        }
        if let h = member("holds") {
            guard let value = h.boolValue else { throw ConstraintSpecError(kind: kindName, reason: "'holds' must be a boolean") }
            holds = value
        } else {
            holds = nil
        }
        try validate()
    }

    /// Checks that the parameters the kind's verifier reads are present and sensible.
    public func validate() throws(ConstraintSpecError) {
        func fail(_ reason: String) -> ConstraintSpecError { ConstraintSpecError(kind: kind.rawValue, reason: reason) }
        func needWords(_ range: ClosedRange<Int>) throws(ConstraintSpecError) {
            guard range.contains(words.count), words.allSatisfy({ !$0.isEmpty }) else {
                throw fail("needs \(range.lowerBound)...\(range.upperBound) non-empty words, has \(words.count)")
            }
        }
        func needNumber(atLeast minimum: Int) throws(ConstraintSpecError) {
            guard let number, number >= minimum else { throw fail("needs 'number' >= \(minimum)") }
        }
        func needOption(in allowed: [String]) throws(ConstraintSpecError) {
            guard let option, allowed.contains(option) else {
                throw fail("needs 'option' in \(allowed.joined(separator: ", "))")
            }
        }
        func needAnyOption() throws(ConstraintSpecError) {
            guard let option, !option.isEmpty else { throw fail("needs 'option'") }
        }
        let many = 1...Int.max
        switch kind {
        case .includeWords, .excludeWords, .noNames, .textFacts, .template:
            try needWords(many)
        case .wordFrequency:
            try needWords(1...1); try needNumber(atLeast: 1)
        case .theme:
            try needWords(many); try needNumber(atLeast: 1)
        case .value, .emotion, .multilingual:
            try needWords(1...1)
        case .tableLookup, .jsonFormat:
            try needWords(1...1)
        case .noDigits, .askQuestion, .simile, .oneParagraph, .firstPerson, .futureTense, .sourceLine:
            break
        case .wordCountMax, .wordCountMin, .itemCount, .sentenceCount, .sections:
            try needNumber(atLeast: 1)
        case .rolePlay:
            try needAnyOption()
        case .audience:
            try needOption(in: ConstraintOptions.audiences)
            switch option {
            case "experts": try needWords(many); try needNumber(atLeast: 1)
            default: try needNumber(atLeast: 1)
            }
        case .priorCondition:
            try needWords(2...2)
            guard holds != nil else { throw fail("needs 'holds'") }
        case .processSteps, .markdownProcess, .orderWords:
            try needWords(2...Int.max)
        case .tone:
            try needOption(in: ConstraintOptions.tones)
        case .tableFormat:
            try needWords(2...2)
        case .bulletList:
            try needOption(in: ConstraintOptions.bulletMarkers)
        case .numbering:
            try needOption(in: ConstraintOptions.numberingStyles)
        case .letterCase:
            try needOption(in: ConstraintOptions.letterCases)
        case .separatorLine:
            try needOption(in: ConstraintOptions.separators)
        case .citeMarker:
            try needOption(in: ConstraintOptions.citeMarkers)
        case .positiveExample:
            try needOption(in: ConstraintOptions.exampleShapes)
        case .negativeExample:
            try needOption(in: ConstraintOptions.negativePatterns)
        }
    }
}
