import Basics
import Foundation
import Trace

/// A training example as text, in whichever shape the file held: the LLaMA-Factory sharegpt
/// layouts that TRACE and the synthetic generator write.
///   SFT:        {"conversations": [{"from":"human"}, {"from":"gpt"}]}
///   pair:       {"conversations": [{"from":"human"}], "chosen": {...}, "rejected": {...}}
///   quadruple:  {"conversations": [{"from":"human"}, {"from":"human"}], "chosen": {...}, "rejected": {...}}
public enum TrainingText: Sendable, Equatable {
    case sft(prompt: String, response: String)
    case pair(prompt: String, chosen: String, rejected: String)
    case quadruple(x1: String, y1: String, x2: String, y2: String)

    /// Every string, for tokenizer training.
    var texts: [String] {
        switch self {
        case .sft(let p, let r): return [p, r]
        case .pair(let p, let c, let r): return [p, c, r]
        case .quadruple(let x1, let y1, let x2, let y2): return [x1, y1, x2, y2]
        }
    }
}

/// Bad training data, naming the file and line.
public struct TrainingDataError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int?
    public var message: String
    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// Reads training files: a JSONL file, a JSON list (the released `trace.json`), or a directory
/// of `*.jsonl` shards read in name order.
public enum TrainingTexts {
    public static func load(_ url: URL, limit: Int? = nil) throws -> [TrainingText] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw TrainingDataError(file: url.path, line: nil, message: "no such file or directory")
        }
        var files = [url]
        if isDirectory.boolValue {
            files = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".jsonl") }.sorted()
                .map { url.appendingPathComponent($0) }
            if files.isEmpty { throw TrainingDataError(file: url.path, line: nil, message: "the directory holds no .jsonl shards") }
        }
        var examples: [TrainingText] = []
        for file in files {
            examples += try loadFile(file)
            if let limit, examples.count >= limit { return Array(examples.prefix(limit)) }
        }
        return examples
    }

    static func loadFile(_ file: URL) throws -> [TrainingText] {
        guard let data = FileManager.default.contents(atPath: file.path), let text = String(data: data, encoding: .utf8) else {
            throw TrainingDataError(file: file.path, line: nil, message: "unreadable or not UTF-8")
        }
        if text.drop(while: { $0.isWhitespace }).first == "[" {
            let value: JSONValue
            do { value = try JSONParser.parse(text) } catch { throw TrainingDataError(file: file.path, line: nil, message: "\(error)") }
            guard let items = value.arrayValue else { throw TrainingDataError(file: file.path, line: nil, message: "expected a JSON list of examples") }
            return try items.enumerated().map { try example($1, file: file.path, line: nil, index: $0) }
        }
        var examples: [TrainingText] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy(\.isWhitespace) { continue }
            let value: JSONValue
            do { value = try JSONParser.parse(String(line)) } catch {
                throw TrainingDataError(file: file.path, line: number + 1, message: "malformed JSON (\(error))")
            }
            examples.append(try example(value, file: file.path, line: number + 1, index: examples.count))
        }
        return examples
    }

    static func example(_ value: JSONValue, file: String, line: Int?, index: Int) throws -> TrainingText {
        func fail(_ message: String) -> TrainingDataError {
            TrainingDataError(file: file, line: line, message: (line == nil ? "example \(index): " : "") + message)
        }
        guard value.objectMembers != nil else { throw fail("an example must be a JSON object") }
        guard let turns = value["conversations"]?.arrayValue else { throw fail("missing field \"conversations\" (a list of turns)") }
        func turn(_ v: JSONValue?, _ name: String) throws -> (String, String) {
            guard let v, let from = v["from"]?.stringValue, let text = v["value"]?.stringValue else {
                throw fail("\(name) must be an object with string fields \"from\" and \"value\"")
            }
            return (from, text)
        }
        let parsed = try turns.enumerated().map { try turn($1, "conversations[\($0)]") }
        let chosen = try value["chosen"].map { try turn($0, "chosen") }
        let rejected = try value["rejected"].map { try turn($0, "rejected") }
        switch (parsed.map(\.0), chosen, rejected) {
        case (["human", "gpt"], nil, nil):
            return .sft(prompt: parsed[0].1, response: parsed[1].1)
        case (["human"], .some(let c), .some(let r)):
            return .pair(prompt: parsed[0].1, chosen: c.1, rejected: r.1)
        case (["human", "human"], .some(let c), .some(let r)):
            return .quadruple(x1: parsed[0].1, y1: c.1, x2: parsed[1].1, y2: r.1)
        default:
            throw fail("not an SFT example, preference pair or IOPO quadruple (turns: \(parsed.map(\.0)), chosen: \(chosen != nil), rejected: \(rejected != nil))")
        }
    }
}
