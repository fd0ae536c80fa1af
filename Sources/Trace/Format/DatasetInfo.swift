// LLaMA-Factory `dataset_info.json` entries, shaped like the released
// dataset_info_trace_iopo.json (`json.dumps(info, indent=2)`, no trailing newline):
//
//   {"trace_iopo": {"file_name": "trace.json", "ranking": true, "formatting": "sharegpt",
//                   "columns": {"messages": "conversations", "chosen": "chosen", "rejected": "rejected"}}}

import Basics

/// One dataset entry of a LLaMA-Factory `dataset_info.json`.
public struct DatasetInfoEntry: Sendable, Hashable {
    public var name: String
    /// A file or a directory of files, relative to LLaMA-Factory's dataset_dir.
    public var fileName: String
    /// true for preference data (chosen/rejected columns).
    public var ranking: Bool
    public var formatting: String

    public init(name: String, fileName: String, ranking: Bool, formatting: String = "sharegpt") {
        self.name = name
        self.fileName = fileName
        self.ranking = ranking
        self.formatting = formatting
    }

    /// The IOPO ranking entry exactly as released (ranking true, sharegpt, messages/chosen/rejected).
    public static func iopo(name: String = "trace_iopo", fileName: String = "trace.json") -> DatasetInfoEntry {
        DatasetInfoEntry(name: name, fileName: fileName, ranking: true)
    }

    var jsonValue: JSONValue {
        var members = [JSONMember("file_name", .string(fileName))]
        if ranking { members.append(JSONMember("ranking", .bool(true))) }
        members.append(JSONMember("formatting", .string(formatting)))
        var columns = [JSONMember("messages", .string("conversations"))]
        if ranking {
            columns.append(JSONMember("chosen", .string("chosen")))
            columns.append(JSONMember("rejected", .string("rejected")))
        }
        members.append(JSONMember("columns", .object(columns)))
        return .object(members)
    }

    /// A complete dataset_info.json holding `entries` in the given order.
    public static func file(_ entries: [DatasetInfoEntry]) -> String {
        JSONWriter.pythonIndented(2).string(.object(entries.map { JSONMember($0.name, $0.jsonValue) }))
    }
}
