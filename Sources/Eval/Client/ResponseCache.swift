// Finished chat completions, kept in a JSONL file so that an interrupted evaluation resumes where
// it stopped: before a request is sent, the cache is asked; after a reply arrives, it is appended
// and flushed to the file at once. The key is the request itself in canonical JSON — endpoint
// model name, messages and sampling parameters — so a changed prompt or setting never reuses a
// reply, while the same model served on another port does. A last line cut short by a crash is
// dropped when the file is opened.
//
// Line format: {"key": {"messages": [...], "model": "...", "params": {...}}, "reply": {"content":
// ..., "completion_tokens": ..., "finish_reason": ..., "prompt_tokens": ...}}

import Basics
import Foundation
import Trace

/// A persistent map from chat requests to replies.
public actor ResponseCache {
    public let url: URL
    private var entries: [String: ChatReply] = [:]
    private let handle: FileHandle
    /// Replies served from the cache since it was opened.
    public private(set) var hits = 0

    /// Opens (or creates) the cache file, reading every complete line.
    public init(url: URL) throws(EvaluationError) {
        self.url = url
        let manager = FileManager.default
        if !manager.fileExists(atPath: url.path) {
            guard manager.createFile(atPath: url.path, contents: nil) else {
                throw .io(path: url.path, detail: "cannot create the response cache")
            }
        }
        guard let data = manager.contents(atPath: url.path) else { throw .io(path: url.path, detail: "cannot read the response cache") }
        var bytes = [UInt8](data)
        // Keep complete lines only: a crash mid-write leaves a last line without its newline.
        if let lastNewline = bytes.lastIndex(of: 0x0A) {
            if lastNewline != bytes.count - 1 { bytes.removeSubrange((lastNewline + 1)...) }
        } else {
            bytes.removeAll()
        }
        var loaded: [String: ChatReply] = [:]
        for line in bytes.split(separator: 0x0A) where !line.isEmpty {
            guard let entry = try? JSONParser.parse(bytes: Array(line)),
                  let key = entry["key"], let reply = entry["reply"],
                  let content = reply["content"]?.stringValue else { continue }
            loaded[CanonicalJSON.line(key)] = ChatReply(
                content: content, finishReason: reply["finish_reason"]?.stringValue,
                promptTokens: reply["prompt_tokens"]?.intValue, completionTokens: reply["completion_tokens"]?.intValue)
        }
        entries = loaded
        do {
            handle = try FileHandle(forUpdating: url)
            try handle.truncate(atOffset: UInt64(bytes.count))
            try handle.seekToEnd()
        } catch {
            throw .io(path: url.path, detail: "cannot open the response cache for appending: \(error.localizedDescription)")
        }
    }

    deinit { try? handle.close() }

    /// The key of a request: its model, messages and parameters in canonical JSON.
    public static func key(model: String, messages: [ChatTurn], parameters: ChatParameters) -> JSONValue {
        .object([
            "model": .string(model),
            "messages": .array(messages.map { .object(["role": .string($0.role), "content": .string($0.content)]) }),
            "params": parameters.json,
        ])
    }

    public var count: Int { entries.count }

    public func reply(for key: JSONValue) -> ChatReply? {
        let reply = entries[CanonicalJSON.line(key)]
        if reply != nil { hits += 1 }
        return reply
    }

    public func store(_ reply: ChatReply, for key: JSONValue) throws(EvaluationError) {
        let text = CanonicalJSON.line(key)
        if entries[text] != nil { return }
        var replyMembers: [String: JSONValue] = ["content": .string(reply.content)]
        replyMembers["finish_reason"] = reply.finishReason.map { .string($0) } ?? .null
        replyMembers["prompt_tokens"] = reply.promptTokens.map { JSONValue.int($0) } ?? .null
        replyMembers["completion_tokens"] = reply.completionTokens.map { JSONValue.int($0) } ?? .null
        let line = CanonicalJSON.line(.object(["key": key, "reply": .object(replyMembers)])) + "\n"
        do {
            try handle.write(contentsOf: Data(line.utf8))
        } catch {
            throw .io(path: url.path, detail: "cannot append to the response cache: \(error.localizedDescription)")
        }
        entries[text] = reply
    }
}
