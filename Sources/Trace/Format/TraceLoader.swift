// Reads TRACE-format files: evaluation JSONL and IOPO training files (a JSON list, as released,
// or JSONL, as our shards). The caller chooses to stop at the first bad record or to skip bad
// records; skipped records are always returned with their reasons, never dropped silently.

import Basics
import Foundation

/// What to do when a record is bad.
public enum TraceLoadPolicy: Sendable, Hashable {
    /// Throw the first error.
    case stopAtFirstError
    /// Keep going; return the good records and every skipped record's error.
    case skipAndReport
}

/// The result of a load: the records read and the errors of the records skipped.
public struct TraceLoadReport<Record: Sendable>: Sendable {
    public var records: [Record]
    /// One error per skipped record, in file order; each carries the record's location.
    public var skipped: [TraceFormatError]
}

/// Loads TRACE evaluation and training files with typed errors.
public enum TraceLoader {
    /// Reads an evaluation JSONL file (one `TraceEvalRecord` per line; blank lines hold no record).
    public static func loadEvalRecords(file: URL, policy: TraceLoadPolicy = .stopAtFirstError)
        throws(TraceFormatError) -> TraceLoadReport<TraceEvalRecord> {
        let bytes = try readBytes(file)
        return try parseJSONLines(bytes: bytes, file: file.path, policy: policy) { json, location throws(TraceFormatError) in
            try TraceEvalRecord(json: json, location: location)
        }
    }

    /// Parses evaluation JSONL text; `file` names it in errors.
    public static func parseEvalRecords(text: String, file: String, policy: TraceLoadPolicy = .stopAtFirstError)
        throws(TraceFormatError) -> TraceLoadReport<TraceEvalRecord> {
        try parseJSONLines(bytes: Array(text.utf8), file: file, policy: policy) { json, location throws(TraceFormatError) in
            try TraceEvalRecord(json: json, location: location)
        }
    }

    /// Reads an IOPO training file: a JSON list (the released format) or JSONL (our shards).
    public static func loadTrainingRecords(file: URL, policy: TraceLoadPolicy = .stopAtFirstError)
        throws(TraceFormatError) -> TraceLoadReport<TraceTrainingRecord> {
        try parseTrainingRecords(bytes: readBytes(file), file: file.path, policy: policy)
    }

    /// Parses training data from bytes; a document whose first non-blank byte is `[` is a JSON list.
    public static func parseTrainingRecords(bytes: [UInt8], file: String, policy: TraceLoadPolicy = .stopAtFirstError)
        throws(TraceFormatError) -> TraceLoadReport<TraceTrainingRecord> {
        let firstByte = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 })
        guard firstByte == UInt8(ascii: "[") else {
            return try parseJSONLines(bytes: bytes, file: file, policy: policy) { json, location throws(TraceFormatError) in
                try TraceTrainingRecord(json: json, location: location)
            }
        }
        let document: JSONValue
        do throws(JSONSyntaxError) {
            document = try JSONParser.parse(bytes: bytes)
        } catch {
            throw .malformedJSON(TraceLocation(file: file, line: error.line), column: error.column, reason: error.message)
        }
        // A document starting with "[" can only parse to an array.
        let elements = document.arrayValue ?? []
        var report = TraceLoadReport<TraceTrainingRecord>(records: [], skipped: [])
        for (index, element) in elements.enumerated() {
            do throws(TraceFormatError) {
                report.records.append(try TraceTrainingRecord(json: element, location: TraceLocation(file: file, record: index)))
            } catch {
                if policy == .stopAtFirstError { throw error }
                report.skipped.append(error)
            }
        }
        return report
    }

    static func readBytes(_ file: URL) throws(TraceFormatError) -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: file))
        } catch {
            throw .unreadable(file: file.path, reason: error.localizedDescription)
        }
    }

    /// Splits on "\n", parses each non-blank line as one JSON value and hands it to `make`.
    static func parseJSONLines<Record: Sendable>(
        bytes: [UInt8], file: String, policy: TraceLoadPolicy,
        make: (JSONValue, TraceLocation) throws(TraceFormatError) -> Record
    ) throws(TraceFormatError) -> TraceLoadReport<Record> {
        var report = TraceLoadReport<Record>(records: [], skipped: [])
        var lineNumber = 0
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            let lineBytes = bytes[start..<end]
            start = end + 1
            let isBlank = lineBytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            if isBlank { continue }
            let location = TraceLocation(file: file, line: lineNumber)
            do throws(TraceFormatError) {
                let json: JSONValue
                do throws(JSONSyntaxError) {
                    json = try lineBytes.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in
                        try JSONParser.parse(buffer)
                    }
                } catch {
                    throw TraceFormatError.malformedJSON(location, column: error.column, reason: error.message)
                }
                report.records.append(try make(json, location))
            } catch {
                if policy == .stopAtFirstError { throw error }
                report.skipped.append(error)
            }
        }
        return report
    }
}
