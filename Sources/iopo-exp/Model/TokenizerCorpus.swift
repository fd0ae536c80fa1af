import Basics
import Engine
import Foundation

/// The texts a tokenizer is trained on, read from a corpus file: plain text (one document per
/// non-empty line), or JSON / JSONL (TRACE, ShareGPT, Alpaca records...) whose string values are
/// the documents, taken in file order and, within an object, in sorted key order so the corpus
/// never depends on dictionary order.
enum TokenizerCorpus {
    static func read(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError.invalid("\(path): cannot read the corpus file")
        }
        let bytes = [UInt8](data)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CLIError.invalid("\(path): the corpus is not UTF-8 text")
        }
        let firstCharacter = text.first { !$0.isWhitespace }
        var documents: [String] = []
        if firstCharacter == "{" || firstCharacter == "[" {
            if let whole = try? JSONParser.parse(bytes: bytes, options: .interchange) {
                collectStrings(whole, into: &documents)
            } else {
                // JSON Lines: every non-empty line one JSON value.
                for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where !line.allSatisfy(\.isWhitespace) {
                    do throws(JSONSyntaxError) {
                        collectStrings(try JSONParser.parse(String(line), options: .interchange), into: &documents)
                    } catch {
                        throw CLIError.invalid("\(path):\(index + 1): not a JSON line: \(error.message)")
                    }
                }
            }
        } else {
            documents = text.split(separator: "\n").map(String.init).filter { !$0.allSatisfy(\.isWhitespace) }
        }
        documents.removeAll { $0.isEmpty }
        if documents.isEmpty { throw CLIError.invalid("\(path): the corpus has no text to train a tokenizer on") }
        return documents
    }

    private static func collectStrings(_ value: JSONValue, into documents: inout [String]) {
        switch value {
        case .string(let text): documents.append(text)
        case .array(let items): for item in items { collectStrings(item, into: &documents) }
        case .object(let members):
            for member in members.sorted(by: { JSONMember.keyPrecedes($0.key, $1.key) }) {
                collectStrings(member.value, into: &documents)
            }
        default: break
        }
    }
}
