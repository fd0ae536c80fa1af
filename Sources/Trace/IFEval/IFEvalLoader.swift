import Foundation

/// One IFEval prompt: its key, its text, and the verifiable instructions attached to it
/// (one record of input_data.jsonl).
public struct IFEvalPrompt: Sendable, Hashable {
    public var key: Int
    public var prompt: String
    public var instructions: [IFEvalInstruction]

    public init(key: Int, prompt: String, instructions: [IFEvalInstruction]) {
        self.key = key
        self.prompt = prompt
        self.instructions = instructions
    }

    public var kinds: [IFEvalInstructionKind] { instructions.map(\.kind) }
}

/// Reads IFEval's input_data.jsonl: one JSON object per line with `key` (integer), `prompt`
/// (string), `instruction_id_list` (list of instruction ids) and `kwargs` (list of objects, one
/// per instruction). Other fields are ignored. Lines are split as Python's text mode splits them
/// (universal newlines); blank lines are skipped. Every error names the file and line.
public enum IFEvalLoader {
    /// Loads and parses a file.
    public static func load(contentsOf path: String) throws(IFEvalError) -> [IFEvalPrompt] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadableFile(path: path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadableFile(path: path, reason: "not valid UTF-8")
        }
        return try parse(jsonLines: text, file: path)
    }

    /// Parses JSON-lines text; `file` is the name used in error locations.
    public static func parse(jsonLines text: String, file: String) throws(IFEvalError) -> [IFEvalPrompt] {
        var prompts: [IFEvalPrompt] = []
        var firstLineOfKey: [Int: Int] = [:]
        for (index, line) in lines(text).enumerated() {
            let location = IFEvalSourceLocation(file: file, line: index + 1)
            if line.unicodeScalars.allSatisfy(IFEvalPython.isSpace) { continue }
            let prompt = try parseRecord(line, at: location)
            if let first = firstLineOfKey[prompt.key] {
                throw .duplicateKey(at: location, key: prompt.key, firstLine: first)
            }
            firstLineOfKey[prompt.key] = location.line
            prompts.append(prompt)
        }
        return prompts
    }

    /// Parses one record.
    public static func parseRecord(_ line: String, at location: IFEvalSourceLocation) throws(IFEvalError) -> IFEvalPrompt {
        let value: IFEvalJSONValue
        do {
            value = try IFEvalJSON.parse(line)
        } catch {
            throw .malformedJSON(at: location, column: column(of: error.offset, in: line), reason: error.reason)
        }
        guard case let .object(record) = value else { throw .notAnObject(at: location) }

        func field(_ name: String) throws(IFEvalError) -> IFEvalJSONValue {
            guard let value = record[name] else { throw .missingField(at: location, field: name) }
            return value
        }
        guard case let .integer(key) = try field("key") else {
            throw .wrongFieldType(at: location, field: "key", expected: "an integer")
        }
        guard case let .string(prompt) = try field("prompt") else {
            throw .wrongFieldType(at: location, field: "prompt", expected: "a string")
        }
        guard case let .array(idValues) = try field("instruction_id_list") else {
            throw .wrongFieldType(at: location, field: "instruction_id_list", expected: "a list of strings")
        }
        guard case let .array(kwargValues) = try field("kwargs") else {
            throw .wrongFieldType(at: location, field: "kwargs", expected: "a list of objects")
        }
        guard idValues.count == kwargValues.count else {
            throw .lengthMismatch(at: location, instructions: idValues.count, kwargs: kwargValues.count)
        }
        var instructions: [IFEvalInstruction] = []
        for (idValue, kwargValue) in zip(idValues, kwargValues) {
            guard case let .string(id) = idValue else {
                throw .wrongFieldType(at: location, field: "instruction_id_list", expected: "a list of strings")
            }
            guard case let .object(arguments) = kwargValue else {
                throw .wrongFieldType(at: location, field: "kwargs", expected: "a list of objects")
            }
            instructions.append(try IFEvalInstruction(kind: id, arguments: arguments, at: location))
        }
        return IFEvalPrompt(key: key, prompt: prompt, instructions: instructions)
    }

    /// Lines as Python's universal-newline text mode yields them ("\n", "\r\n" and "\r" end a
    /// line); a final line ending does not start another line.
    static func lines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var previousWasCarriageReturn = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && previousWasCarriageReturn {
                previousWasCarriageReturn = false
                continue
            }
            previousWasCarriageReturn = scalar == "\r"
            if scalar == "\n" || scalar == "\r" {
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }

    /// 1-based column (in code points) of a UTF-8 offset within `line`.
    private static func column(of offset: Int, in line: String) -> Int {
        let prefix = line.utf8.prefix(offset)
        return (String(decoding: prefix, as: UTF8.self).unicodeScalars.count) + 1
    }
}
