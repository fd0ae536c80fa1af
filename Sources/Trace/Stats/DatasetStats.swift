// Distribution of a TRACE-format file by constraint count, dimension and type: for the real
// trace_eval.jsonl, our synthetic eval splits, and training files (released or ours).

import Basics
import Foundation

/// Summary of a list of non-negative integers (lengths).
public struct LengthSummary: Sendable, Hashable, Codable {
    public var mean: Double
    public var median: Int
    public var p95: Int
    public var max: Int

    public init(_ values: [Int]) {
        guard !values.isEmpty else {
            self.mean = 0; self.median = 0; self.p95 = 0; self.max = 0
            return
        }
        let sorted = values.sorted()
        mean = (Double(values.reduce(0, +)) / Double(values.count) * 100).rounded() / 100
        median = sorted[(sorted.count - 1) / 2]
        p95 = sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
        self.max = sorted[sorted.count - 1]
    }
}

/// The distribution of instructions in a TRACE-format dataset.
public struct DatasetStats: Sendable, Hashable, Codable {
    /// Instructions with a given number of constraints.
    public struct CountBin: Sendable, Hashable, Codable {
        public var constraints: Int
        public var instructions: Int
    }
    /// Constraints of one dimension.
    public struct DimensionBin: Sendable, Hashable, Codable {
        public var dimension: String
        public var label: String
        public var type: String
        public var constraints: Int
    }
    /// Constraints of one type.
    public struct TypeBin: Sendable, Hashable, Codable {
        public var type: String
        public var constraints: Int
    }
    /// A labelled count (categories, unresolved labels).
    public struct NamedCount: Sendable, Hashable, Codable {
        public var name: String
        public var count: Int
    }

    /// Instructions counted (eval records; for training files, x1 and x2 of each record).
    public var instructions: Int
    public var constraints: Int
    public var meanConstraints: Double
    public var byConstraintCount: [CountBin]
    /// Only for sources with levels2 labels (eval records, our training shards' meta).
    public var byDimension: [DimensionBin]
    public var byType: [TypeBin]
    /// Raw labels as written, for checking label spelling against the taxonomy.
    public var byLabel: [NamedCount]
    public var unresolvedLabels: [NamedCount]
    public var byCategory: [NamedCount]
    public var withInput: Int
    /// Words (ASCII letter runs) of the user messages.
    public var promptWords: LengthSummary
    /// Characters (Unicode scalars) of the user messages.
    public var promptCharacters: LengthSummary
    /// Words of the responses, when the source has them (training files, `reference` fields).
    public var responseWords: LengthSummary?

    /// One instruction's contribution.
    struct Item {
        var constraintCount: Int
        var levels2: [String]?
        var category: String?
        var hasInput: Bool
        var prompt: String
        var responses: [String]
    }

    init(items: [Item]) {
        instructions = items.count
        constraints = items.reduce(0) { $0 + $1.constraintCount }
        meanConstraints = items.isEmpty ? 0 : (Double(constraints) / Double(items.count) * 10_000).rounded() / 10_000
        var counts: [Int: Int] = [:]
        var dimensions: [TraceDimension: Int] = [:]
        var labels: [String: Int] = [:]
        var unresolved: [String: Int] = [:]
        var categories: [String: Int] = [:]
        var responseLengths: [Int] = []
        var hasResponses = false
        for item in items {
            counts[item.constraintCount, default: 0] += 1
            if let category = item.category { categories[category, default: 0] += 1 }
            if let levels2 = item.levels2 {
                for label in levels2 { labels[label, default: 0] += 1 }
                var previous: TraceDimension?
                for label in levels2 {
                    let dimension = label == TraceDimension.dittoLabel ? previous : TraceDimension(label: label)
                    if let dimension {
                        dimensions[dimension, default: 0] += 1
                    } else {
                        unresolved[label, default: 0] += 1
                    }
                    previous = dimension
                }
            }
            if !item.responses.isEmpty { hasResponses = true }
            responseLengths += item.responses.map { Carrier.letterRuns(in: $0) }
        }
        byConstraintCount = counts.keys.sorted().map { CountBin(constraints: $0, instructions: counts[$0]!) }
        byDimension = TraceDimension.allCases.compactMap { d in
            dimensions[d].map { DimensionBin(dimension: d.englishName, label: d.levels2Label, type: d.type.rawValue, constraints: $0) }
        }
        byType = TraceType.allCases.compactMap { t in
            let total = TraceDimension.allCases.filter { $0.type == t }.reduce(0) { $0 + (dimensions[$1] ?? 0) }
            return total > 0 ? TypeBin(type: t.rawValue, constraints: total) : nil
        }
        func named(_ d: [String: Int]) -> [NamedCount] {
            d.map { NamedCount(name: $0.key, count: $0.value) }
                .sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
        }
        byLabel = named(labels)
        unresolvedLabels = named(unresolved)
        byCategory = named(categories)
        withInput = items.filter(\.hasInput).count
        promptWords = LengthSummary(items.map { Carrier.letterRuns(in: $0.prompt) })
        promptCharacters = LengthSummary(items.map { $0.prompt.unicodeScalars.count })
        responseWords = hasResponses ? LengthSummary(responseLengths) : nil
    }

    /// Statistics of evaluation records (a `reference` member, when present, counts as a response).
    public init(evalRecords records: [TraceEvalRecord]) {
        self.init(items: records.map(DatasetStats.evalItem))
    }

    static func evalItem(_ record: TraceEvalRecord) -> Item {
        let reference = record.additionalFields.last(where: { $0.key == "reference" })?.value.stringValue
        return Item(constraintCount: record.constraintsNum, levels2: record.levels2, category: record.category,
                    hasInput: record.hasInput, prompt: record.userContent, responses: reference.map { [$0] } ?? [])
    }

    /// Statistics of training records: each human turn is an instruction. Its constraint count
    /// is the number of numbered lines ("1. ", "2. ", ...) before any "# Inputs:" line; levels2
    /// comes from our shards' `meta` (x1_levels2, x2_levels2) when present.
    public init(trainingRecords records: [TraceTrainingRecord]) {
        self.init(items: records.flatMap { DatasetStats.conversationItems($0.jsonValue) })
    }

    /// The instructions of one sharegpt record (IOPO, DPO or SFT; released or ours). levels2
    /// comes from `meta`: x1_levels2/x2_levels2 (IOPO shards) or the kinds of `checks` (SFT
    /// and DPO shards); responses are the gpt turns and chosen/rejected.
    static func conversationItems(_ record: JSONValue) -> [Item] {
        let turns = record["conversations"]?.arrayValue ?? []
        let meta = record["meta"]
        var responses = turns.filter { $0["from"]?.stringValue == "gpt" }.compactMap { $0["value"]?.stringValue }
        for key in ["chosen", "rejected"] {
            if let value = record[key]?["value"]?.stringValue { responses.append(value) }
        }
        let prompts = turns.filter { $0["from"]?.stringValue == "human" }.compactMap { $0["value"]?.stringValue }
        return prompts.enumerated().map { i, prompt in
            var levels = meta?[i == 0 ? "x1_levels2" : "x2_levels2"]?.arrayValue?.compactMap(\.stringValue)
            if levels == nil, prompts.count == 1, let checks = meta?["checks"]?.arrayValue {
                levels = checks.compactMap { (try? ConstraintSpec(json: $0))?.dimension.levels2Label }
            }
            return Item(constraintCount: levels?.count ?? numberedLines(prompt), levels2: levels, category: nil,
                        hasInput: prompt.contains("\n# Inputs:\n"), prompt: prompt, responses: i == 0 ? responses : [])
        }
    }

    static func numberedLines(_ prompt: String) -> Int {
        var count = 0
        for line in prompt.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# Inputs:") { break }
            let digits = line.prefix(while: { $0.isASCII && $0.isNumber })
            if !digits.isEmpty, line.dropFirst(digits.count).hasPrefix(".") { count += 1 }
        }
        return count
    }

    /// Reads any TRACE-format file: eval JSONL (records with `messages`, validated), or sharegpt
    /// training data (a JSON list or JSONL of records with `conversations`: the released IOPO
    /// sample, our train/, sft/ and dpo/ shards). The first bad record stops the read.
    public static func load(file: URL) throws(TraceFormatError) -> DatasetStats {
        let bytes = try TraceLoader.readBytes(file)
        let firstByte = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 })
        if firstByte == UInt8(ascii: "[") {
            var items: [Item] = []
            let document: JSONValue
            do throws(JSONSyntaxError) {
                document = try JSONParser.parse(bytes: bytes)
            } catch {
                throw .malformedJSON(TraceLocation(file: file.path, line: error.line), column: error.column, reason: error.message)
            }
            for (index, element) in (document.arrayValue ?? []).enumerated() {
                guard element["conversations"] != nil else {
                    throw .missingField(TraceLocation(file: file.path, record: index), field: "conversations")
                }
                items += conversationItems(element)
            }
            return DatasetStats(items: items)
        }
        let report = try TraceLoader.parseJSONLines(bytes: bytes, file: file.path, policy: .stopAtFirstError) {
            json, location throws(TraceFormatError) -> [Item] in
            if json["conversations"] != nil, json["messages"] == nil { return conversationItems(json) }
            return [DatasetStats.evalItem(try TraceEvalRecord(json: json, location: location))]
        }
        return DatasetStats(items: report.records.flatMap { $0 })
    }

    /// A plain-text report (what `iopo-exp data stats FILE` prints).
    public var report: String {
        var lines: [String] = []
        lines.append("instructions \(instructions), constraints \(constraints), mean \(meanConstraints) per instruction, with input \(withInput)")
        lines.append("by constraint count:")
        for bin in byConstraintCount { lines.append("  \(pad(String(bin.constraints), 3)) \(pad(String(bin.instructions), 8))") }
        if !byType.isEmpty {
            lines.append("by type:")
            for bin in byType { lines.append("  \(pad(bin.type, 10)) \(pad(String(bin.constraints), 8))") }
        }
        if !byDimension.isEmpty {
            lines.append("by dimension:")
            for bin in byDimension.sorted(by: { $0.constraints > $1.constraints }) {
                lines.append("  \(pad(bin.dimension, 36)) \(pad(bin.type, 10)) \(pad(String(bin.constraints), 8))  \(bin.label)")
            }
        }
        if !unresolvedLabels.isEmpty {
            lines.append("unresolved labels: " + unresolvedLabels.map { "\($0.name) (\($0.count))" }.joined(separator: ", "))
        }
        if !byCategory.isEmpty {
            lines.append("by category: " + byCategory.map { "\($0.name) \($0.count)" }.joined(separator: ", "))
        }
        lines.append("prompt words: mean \(promptWords.mean), median \(promptWords.median), p95 \(promptWords.p95), max \(promptWords.max)")
        lines.append("prompt characters: mean \(promptCharacters.mean), median \(promptCharacters.median), p95 \(promptCharacters.p95), max \(promptCharacters.max)")
        if let responseWords {
            lines.append("response words: mean \(responseWords.mean), median \(responseWords.median), p95 \(responseWords.p95), max \(responseWords.max)")
        }
        return lines.joined(separator: "\n")
    }

    func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
