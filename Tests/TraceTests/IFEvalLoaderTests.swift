import Trace
import Foundation
import TestKit
import Testing

/// The real IFEval prompts, from the shared data folder (`SharedData`).
enum IFEvalTestData {
    static let inputPath = SharedData.directory.appendingPathComponent("ifeval/input_data.jsonl").path

    static var isAvailable: Bool { FileManager.default.fileExists(atPath: inputPath) }

    /// Loaded once for all tests.
    static let loaded: Result<[IFEvalPrompt], IFEvalError> = Result { () throws(IFEvalError) in
        try IFEvalLoader.load(contentsOf: inputPath)
    }

    /// The prompts, or nil (with a message) when the data is absent.
    static func prompts(for test: String) throws -> [IFEvalPrompt]? {
        guard isAvailable else {
            print("[\(test)] skipped: IFEval data not found at \(inputPath) (set IOPO_DATA_DIR)")
            return nil
        }
        return try loaded.get()
    }
}

@Suite("IFEval loader")
struct IFEvalLoaderTests {
    @Test("the real input_data.jsonl has 541 prompts, 834 instructions of 25 kinds")
    func realDataCounts() throws {
        guard let prompts = try IFEvalTestData.prompts(for: "realDataCounts") else { return }
        #expect(prompts.count == 541)
        let kinds = prompts.flatMap(\.kinds)
        #expect(kinds.count == 834)
        #expect(Set(kinds) == Set(IFEvalInstructionKind.allCases))
        #expect(IFEvalInstructionKind.allCases.count == 25)
        #expect(Set(prompts.map(\.key)).count == 541)
        var perKind: [IFEvalInstructionKind: Int] = [:]
        for kind in kinds { perKind[kind, default: 0] += 1 }
        #expect(perKind[.noComma] == 66)
        #expect(perKind[.numberWords] == 52)
        #expect(perKind[.numberSentences] == 52)
        #expect(perKind[.keywordsForbiddenWords] == 49)
        #expect(perKind[.numberHighlightedSections] == 48)
        #expect(perKind[.constrainedResponse] == 10)
        #expect(perKind[.nthParagraphFirstWord] == 12)
        #expect(perKind[.multipleSections] == 14)
        #expect(perKind[.responseLanguage] == 31)
        // The first record, checked field by field.
        let first = prompts[0]
        #expect(first.key == 1000)
        #expect(first.prompt.hasPrefix("Write a 300+ word summary of the wikipedia page"))
        #expect(first.instructions == [.noComma, .numberHighlightedSections(minimum: 3), .numberWords(count: 300, relation: .atLeast)])
    }

    @Test("typed arguments are normalised as the reference normalises them")
    func argumentNormalisation() throws {
        let frequency = try IFEvalInstruction(kind: "keywords:frequency", arguments: ["keyword": .string("  story "), "frequency": .integer(2), "relation": .string("at least")])
        #expect(frequency == .keywordsFrequency(keyword: "story", frequency: 2, relation: .atLeast))
        let forbidden = try IFEvalInstruction(kind: "keywords:forbidden_words", arguments: ["forbidden_words": .array([.string("b"), .string("a"), .string("b")])])
        #expect(forbidden == .keywordsForbiddenWords(words: ["a", "b"]))
        let letter = try IFEvalInstruction(kind: "keywords:letter_frequency", arguments: ["letter": .string("Q"), "let_frequency": .integer(5), "let_relation": .string("less than")])
        #expect(letter == .keywordsLetterFrequency(letter: "q", frequency: 5, relation: .lessThan))
        let first = try IFEvalInstruction(kind: "length_constraints:nth_paragraph_first_word", arguments: ["first_word": .string("Weekend"), "num_paragraphs": .integer(4), "nth_paragraph": .double(1)])
        #expect(first == .nthParagraphFirstWord(paragraphs: 4, nth: 1, firstWord: "weekend"))
        let sections = try IFEvalInstruction(kind: "detectable_format:multiple_sections", arguments: ["section_spliter": .string(" SECTION "), "num_sections": .integer(4)])
        #expect(sections == .multipleSections(splitter: "SECTION", minimum: 4))
        // Keys with null values are ignored, as in the Hugging Face copy of the data.
        let nulls = try IFEvalInstruction(kind: "punctuation:no_comma", arguments: ["num_words": .null, "relation": .null])
        #expect(nulls == .noComma)
        #expect(nulls.kind.category == "punctuation")
    }

    @Test("a well-formed file parses; blank lines and CRLF endings are accepted")
    func parsesLines() throws {
        let text = """
        {"key": 1, "prompt": "P1", "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}\r

        {"key": 2, "prompt": "P2", "instruction_id_list": [], "kwargs": [], "extra": true}\r\n
        """
        let prompts = try IFEvalLoader.parse(jsonLines: text, file: "mem.jsonl")
        #expect(prompts == [
            IFEvalPrompt(key: 1, prompt: "P1", instructions: [.noComma]),
            IFEvalPrompt(key: 2, prompt: "P2", instructions: []),
        ])
    }

    /// Parses one record placed on line 3 of a file and returns the error.
    private func error(for record: String) -> IFEvalError? {
        let text = """
        {"key": 1, "prompt": "ok", "instruction_id_list": ["startend:quotation"], "kwargs": [{}]}
        {"key": 2, "prompt": "ok", "instruction_id_list": ["startend:quotation"], "kwargs": [{}]}
        \(record)
        """
        do {
            _ = try IFEvalLoader.parse(jsonLines: text, file: "bad.jsonl")
            return nil
        } catch {
            return error
        }
    }

    private let at3 = IFEvalSourceLocation(file: "bad.jsonl", line: 3)

    @Test("malformed JSON names the file, line and column")
    func malformedJSON() {
        let caught = error(for: #"{"key": 3, "prompt": "x",}"#)
        guard case let .malformedJSON(location, column, _)? = caught else {
            Issue.record("expected malformedJSON, got \(String(describing: caught))")
            return
        }
        #expect(location == at3)
        #expect(column == 26)
        #expect(caught!.description.hasPrefix("bad.jsonl:3:26: malformed JSON"))
        #expect(error(for: "[1, 2]") == .notAnObject(at: at3))
    }

    @Test("missing and mistyped fields are reported by name")
    func missingFields() {
        #expect(error(for: #"{"key": 3, "instruction_id_list": [], "kwargs": []}"#) == .missingField(at: at3, field: "prompt"))
        #expect(error(for: #"{"prompt": "p", "instruction_id_list": [], "kwargs": []}"#) == .missingField(at: at3, field: "key"))
        #expect(error(for: #"{"key": 3, "prompt": "p", "kwargs": []}"#) == .missingField(at: at3, field: "instruction_id_list"))
        #expect(error(for: #"{"key": 3, "prompt": "p", "instruction_id_list": []}"#) == .missingField(at: at3, field: "kwargs"))
        #expect(error(for: #"{"key": "3", "prompt": "p", "instruction_id_list": [], "kwargs": []}"#) == .wrongFieldType(at: at3, field: "key", expected: "an integer"))
        #expect(error(for: #"{"key": 3, "prompt": "p", "instruction_id_list": [1], "kwargs": [{}]}"#) == .wrongFieldType(at: at3, field: "instruction_id_list", expected: "a list of strings"))
        #expect(error(for: #"{"key": 3, "prompt": "p", "instruction_id_list": ["startend:quotation"], "kwargs": [[]]}"#) == .wrongFieldType(at: at3, field: "kwargs", expected: "a list of objects"))
        #expect(error(for: #"{"key": 3, "prompt": "p", "instruction_id_list": ["startend:quotation"], "kwargs": []}"#) == .lengthMismatch(at: at3, instructions: 1, kwargs: 0))
        #expect(error(for: #"{"key": 1, "prompt": "p", "instruction_id_list": [], "kwargs": []}"#) == .duplicateKey(at: at3, key: 1, firstLine: 1))
    }

    @Test("an unknown instruction kind is named with its line")
    func unknownKind() {
        let caught = error(for: #"{"key": 3, "prompt": "p", "instruction_id_list": ["startend:quotation", "keywords:key_sentences"], "kwargs": [{}, {}]}"#)
        #expect(caught == .unknownInstruction(at: at3, kind: "keywords:key_sentences"))
        #expect(caught?.description == "bad.jsonl:3: unknown IFEval instruction kind 'keywords:key_sentences'")
    }

    @Test("arguments the reference would reject or randomise are errors")
    func badArguments() {
        func argumentError(_ kind: String, _ arguments: [String: IFEvalJSONValue]) -> IFEvalError? {
            do {
                _ = try IFEvalInstruction(kind: kind, arguments: arguments, at: at3)
                return nil
            } catch {
                return error
            }
        }
        #expect(argumentError("length_constraints:number_words", ["num_words": .integer(300)]) == .missingArgument(at: at3, kind: "length_constraints:number_words", argument: "relation"))
        #expect(argumentError("length_constraints:number_words", ["num_words": .integer(300), "relation": .string("at most")])
            == .invalidArgument(at: at3, kind: "length_constraints:number_words", argument: "relation", reason: "must be 'less than' or 'at least', got 'at most'"))
        #expect(argumentError("length_constraints:number_words", ["num_words": .string("300"), "relation": .string("at least")])
            == .invalidArgument(at: at3, kind: "length_constraints:number_words", argument: "num_words", reason: "must be an integer"))
        #expect(argumentError("detectable_content:number_placeholders", ["num_placeholders": .integer(-1)])
            == .invalidArgument(at: at3, kind: "detectable_content:number_placeholders", argument: "num_placeholders", reason: "must not be negative, got -1"))
        #expect(argumentError("punctuation:no_comma", ["num_words": .integer(3)]) == .unexpectedArgument(at: at3, kind: "punctuation:no_comma", argument: "num_words"))
        #expect(argumentError("keywords:letter_frequency", ["letter": .string("ab"), "let_frequency": .integer(2), "let_relation": .string("at least")])
            == .invalidArgument(at: at3, kind: "keywords:letter_frequency", argument: "letter", reason: "must be exactly one character"))
        #expect(argumentError("keywords:existence", ["keywords": .array([])])
            == .invalidArgument(at: at3, kind: "keywords:existence", argument: "keywords", reason: "must not be empty"))
        #expect(argumentError("language:response_language", ["language": .string("xx")])
            == .invalidArgument(at: at3, kind: "language:response_language", argument: "language", reason: "'xx' is not one of the reference's language codes"))
        #expect(argumentError("length_constraints:nth_paragraph_first_word", ["num_paragraphs": .integer(2), "nth_paragraph": .integer(3), "first_word": .string("a")])
            == .invalidArgument(at: at3, kind: "length_constraints:nth_paragraph_first_word", argument: "nth_paragraph", reason: "must be between 1 and num_paragraphs (2), got 3"))
        #expect(argumentError("combination:repeat_prompt", ["prompt_to_repeat": .string("")])
            == .invalidArgument(at: at3, kind: "combination:repeat_prompt", argument: "prompt_to_repeat", reason: "must not be empty"))
    }

    @Test("an unreadable file is an error naming the path")
    func unreadableFile() {
        let path = "/nonexistent/ifeval/input_data.jsonl"
        do {
            _ = try IFEvalLoader.load(contentsOf: path)
            Issue.record("expected an error")
        } catch {
            guard case let .unreadableFile(reportedPath, _) = error else {
                Issue.record("expected unreadableFile, got \(error)")
                return
            }
            #expect(reportedPath == path)
        }
    }
}
