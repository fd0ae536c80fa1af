import Basics
import Engine
import Foundation
import TOMLKit

/// A model config file for `model init`: Hugging Face Qwen2 `config.json` fields (hidden_size,
/// num_hidden_layers, ...) as a JSON object or as top-level TOML keys. Checked as `from_pretrained`
/// would and as the engine needs (heads dividing the hidden size, an even head dimension, ...).
enum ModelConfigFile {
    static func read(_ path: String) throws -> HFDecoderConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError.invalid("\(path): cannot read the config file")
        }
        let text = String(decoding: data, as: UTF8.self)
        let document: JSONValue
        if path.lowercased().hasSuffix(".toml") {
            let table: TOMLTable
            do { table = try TOMLTable(string: text) } catch let error as TOMLParseError {
                throw CLIError.invalid("\(path):\(error.source.begin.line):\(error.source.begin.column): \(error.description)")
            }
            document = try json(table, file: path)
        } else {
            do throws(JSONSyntaxError) { document = try JSONParser.parse(bytes: [UInt8](data), options: .interchange) } catch {
                throw CLIError.invalid("\(path): not valid JSON: \(error.description)")
            }
        }
        let config = try EngineErrorMapping.mapped { try HFDecoderConfig(document: document, file: path) }
        do throws(DecoderConfigError) { try DecoderConfig(huggingFace: config).validate() } catch {
            throw CLIError.invalid("\(path): \(error.description)")
        }
        return config
    }

    private static func json(_ table: TOMLTable, file: String) throws -> JSONValue {
        var members: [String: JSONValue] = [:]
        for (key, value) in table { members[key] = try json(value, file: file, key: key) }
        return .object(members)
    }

    private static func json(_ value: TOMLValueConvertible, file: String, key: String) throws -> JSONValue {
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .int(value.int ?? 0)
        case .double: return .double(value.double ?? 0)
        case .bool: return .bool(value.bool ?? false)
        case .table: return try value.table.map { try json($0, file: file) } ?? .null
        case .array: return .array(try (value.array ?? []).map { try json($0, file: file, key: key) })
        case .date, .time, .dateTime: throw CLIError.invalid("\(file): field \(key): dates and times are not config values")
        }
    }
}
