// Responses produced elsewhere — vLLM, a hosted API, the released outputs of a paper, an earlier
// `iopo-exp eval` — judged and scored without querying a model.

import Basics
import Foundation
import Trace

/// A JSONL file of responses, one object per line, in either of two shapes:
/// - `{"prompt": "...", "response": "..."}`, IFEval's `input_response_data.jsonl`: matched to a
///   record by its exact prompt text (as the reference's `evaluation_main` does);
/// - `{"dataset": "...", "id": "...", "response": "..." | null, "error": "..."}`, this tool's own
///   `responses.jsonl`: matched by dataset name and record id (`dataset` optional). A null
///   response (the endpoint refused the prompt) stays a missing response with its error.
struct ProvidedResponses {
    /// A response, or why there is none.
    enum Entry: Equatable {
        case text(String)
        case missing(String)
    }

    let file: String
    /// By exact prompt text (IFEval's shape).
    private(set) var byPrompt: [String: Entry] = [:]
    /// By record id, then dataset name ("" when the line named none) (a responses.jsonl).
    private(set) var byID: [String: [String: Entry]] = [:]

    static func load(_ file: String) throws(EvaluationError) -> ProvidedResponses {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw .dataset(file: file, detail: "cannot read the responses file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .dataset(file: file, detail: "not UTF-8 text") }
        var responses = ProvidedResponses(file: file)
        var promptLines: [String: Int] = [:]
        var idLines: [String: [String: Int]] = [:]
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            if line.allSatisfy(\.isWhitespace) { continue }
            let record: JSONValue
            do throws(JSONSyntaxError) { record = try JSONParser.parse(String(line)) } catch {
                throw .dataset(file: file, detail: "line \(number): not JSON (\(error.description))")
            }
            guard case .object = record else { throw .dataset(file: file, detail: "line \(number): expected a JSON object") }
            let entry: Entry
            switch record["response"] {
            case .string(let response)?: entry = .text(response)
            case .null?:
                guard case .string(let id)? = record["id"] else {
                    throw .dataset(file: file, detail: "line \(number): \"response\" is null but the record has no \"id\"")
                }
                entry = .missing(record["error"]?.stringValue ?? "no response for \(id)")
            case nil: throw .dataset(file: file, detail: "line \(number): no \"response\" field")
            case let other?: throw .dataset(file: file, detail: "line \(number): \"response\" must be a string, got \(other.typeName)")
            }
            let earlier: Int?
            if case .string(let id)? = record["id"] {
                let dataset = record["dataset"]?.stringValue ?? ""
                earlier = idLines[id]?[dataset]
                idLines[id, default: [:]][dataset] = number
                responses.byID[id, default: [:]][dataset] = entry
            } else if case .string(let prompt)? = record["prompt"] {
                earlier = promptLines[prompt]
                promptLines[prompt] = number
                responses.byPrompt[prompt] = entry
            } else {
                throw .dataset(file: file, detail: "line \(number): needs \"prompt\" (IFEval's input_response_data.jsonl) or \"id\" (a responses.jsonl) to match it to a record")
            }
            if let earlier { throw .dataset(file: file, detail: "line \(number): a second response for the record of line \(earlier)") }
        }
        if responses.byPrompt.isEmpty && responses.byID.isEmpty { throw .dataset(file: file, detail: "the responses file is empty") }
        return responses
    }

    /// The response for `item` of `dataset`: by dataset and id, by id alone, then by prompt.
    func entry(dataset: String, item: EvalItem) -> Entry? {
        byID[item.id]?[dataset] ?? byID[item.id]?[""] ?? byPrompt[item.prompt]
    }
}
