// The instructions an evaluation sends: a TRACE-format JSONL file (the real trace_eval.jsonl or a
// synthetic one written by `SyntheticDatasetWriter`) or IFEval's input_data.jsonl. The format is
// recognised from the first record (IFEval records have `instruction_id_list`), or given.

import Basics
import Foundation
import Trace

/// The two dataset formats.
public enum DatasetFormat: String, Sendable, Hashable, CaseIterable {
    case trace
    case ifeval
}

/// One instruction to send, with what its judge needs.
public struct EvalItem: Sendable, Hashable {
    /// The record's id (TRACE `id`, IFEval `key`).
    public var id: String
    /// The user message.
    public var prompt: String
    public var trace: TraceEvalRecord?
    public var ifeval: IFEvalPrompt?
}

/// A named dataset, read and checked.
public struct EvalDataset: Sendable {
    /// The key of this dataset's metrics (`in_domain`, `ifeval`, ...).
    public var name: String
    public var format: DatasetFormat
    public var file: String
    public var items: [EvalItem]

    /// Reads `file`; `format` nil recognises it; `limit` keeps the first records only.
    public static func load(name: String, file: String, format: DatasetFormat? = nil, limit: Int? = nil) throws(EvaluationError) -> EvalDataset {
        let resolved: DatasetFormat
        if let format { resolved = format } else { resolved = try detectFormat(file: file) }
        var items: [EvalItem]
        switch resolved {
        case .trace:
            do throws(TraceFormatError) {
                let report = try TraceLoader.loadEvalRecords(file: URL(fileURLWithPath: file), policy: .stopAtFirstError)
                items = report.records.map { EvalItem(id: $0.id, prompt: $0.userContent, trace: $0, ifeval: nil) }
            } catch {
                throw .dataset(file: file, detail: error.description)
            }
        case .ifeval:
            do throws(IFEvalError) {
                items = try IFEvalLoader.load(contentsOf: file).map {
                    EvalItem(id: String($0.key), prompt: $0.prompt, trace: nil, ifeval: $0)
                }
            } catch {
                throw .dataset(file: file, detail: error.description)
            }
        }
        if items.isEmpty { throw .dataset(file: file, detail: "no records") }
        var seen = Set<String>()
        for item in items where !seen.insert(item.id).inserted {
            throw .dataset(file: file, detail: "record id \(item.id) appears twice; ids must be unique")
        }
        if let limit { items = Array(items.prefix(max(limit, 0))) }
        return EvalDataset(name: name, format: resolved, file: file, items: items)
    }

    /// The format of a JSONL file, from its first non-blank line.
    public static func detectFormat(file: String) throws(EvaluationError) -> DatasetFormat {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw .dataset(file: file, detail: "cannot read the file")
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { !$0.allSatisfy(\.isWhitespace) }) else {
            throw .dataset(file: file, detail: "the file is empty")
        }
        let record: JSONValue
        do throws(JSONSyntaxError) {
            record = try JSONParser.parse(String(line))
        } catch {
            throw .dataset(file: file, detail: "line 1: not JSON (\(error.description)); expected JSONL (one record per line)")
        }
        if record["instruction_id_list"] != nil { return .ifeval }
        if record["constraints_splits"] != nil || record["messages"] != nil { return .trace }
        throw .dataset(file: file, detail: "line 1 is neither a TRACE record (constraints_splits, messages) nor an IFEval record (instruction_id_list)")
    }
}
