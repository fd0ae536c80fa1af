import Trace
import Testing

/// For every instruction in the real data, a response built from its own arguments that must
/// follow it and one that must not (when one exists: "at least 1 sentence" cannot be failed by a
/// non-blank response). Every kind must get both.
@Suite("IFEval checkers on every instruction of the data")
struct IFEvalDataDrivenTests {
    private static func repeated(_ word: String, _ count: Int, filler: String) -> String {
        (Array(repeating: word, count: max(count, 0)) + [filler]).joined(separator: " ")
    }

    /// (passing, failing) responses for one instruction; nil where no such response exists.
    static func responses(for instruction: IFEvalInstruction) -> (pass: String?, fail: String?) {
        switch instruction {
        case let .keywordsExistence(keywords):
            return ("Here: " + keywords.joined(separator: " ") + ".", "Zzz.")
        case let .keywordsFrequency(keyword, frequency, relation):
            let enough = repeated(keyword, frequency, filler: "0")
            let fewer = frequency > 0 ? repeated(keyword, frequency - 1, filler: "0") : nil
            return relation == .atLeast ? (enough, fewer) : (fewer, enough)
        case let .keywordsForbiddenWords(words):
            return ("Zzz.", "Zzz " + words[0] + ".")
        case let .keywordsLetterFrequency(letter, frequency, relation):
            let enough = String(repeating: letter, count: frequency) + "0"
            let fewer = frequency > 0 ? String(repeating: letter, count: frequency - 1) + "0" : nil
            return relation == .atLeast ? (enough, fewer) : (fewer, enough)
        case let .responseLanguage(language):
            let other = language == "en" ? IFEvalLanguageSamples.text["de"]! : IFEvalLanguageSamples.text["en"]!
            return (IFEvalLanguageSamples.text[language], other)
        case let .numberSentences(count, relation):
            func sentences(_ n: Int) -> String? { n >= 1 ? Array(repeating: "This is a sentence.", count: n).joined(separator: " ") : nil }
            return relation == .atLeast ? (sentences(count), sentences(count - 1)) : (sentences(count - 1), sentences(count))
        case let .numberParagraphs(count):
            func paragraphs(_ n: Int) -> String { (0..<n).map { "Paragraph \($0)." }.joined(separator: "\n***\n") }
            return (count > 0 ? paragraphs(count) : nil, paragraphs(count + 1))
        case let .numberWords(count, relation):
            let enough = repeated("word", count, filler: ".")
            let fewer = count > 0 ? repeated("word", count - 1, filler: ".") : nil
            return relation == .atLeast ? (enough, fewer) : (fewer, enough)
        case let .nthParagraphFirstWord(paragraphs, nth, firstWord):
            func text(_ first: String) -> String {
                (1...paragraphs).map { $0 == nth ? first.prefix(1).uppercased() + first.dropFirst() + " starts this paragraph." : "Paragraph \($0) text." }.joined(separator: "\n\n")
            }
            return (text(firstWord), text("Something"))
        case let .numberPlaceholders(minimum):
            let enough = (0..<minimum).map { "[p\($0)]" }.joined(separator: " ") + " text"
            return (enough, minimum > 0 ? (0..<(minimum - 1)).map { "[p\($0)]" }.joined(separator: " ") + " text" : nil)
        case let .postscript(marker):
            return ("Body text.\n\n\(marker) Extra note.", "Body text.")
        case let .numberBulletLists(count):
            func bullets(_ n: Int) -> String { (["Intro:"] + (0..<n).map { "* point \($0)" }).joined(separator: "\n") }
            return (bullets(count), bullets(count + 1))
        case .constrainedResponse:
            return ("My answer is yes.", "Yes.")
        case let .numberHighlightedSections(minimum):
            func highlights(_ n: Int) -> String { "Text " + (0..<n).map { "*part \($0)*" }.joined(separator: " ") }
            return (highlights(minimum), minimum > 0 ? highlights(minimum - 1) : nil)
        case let .multipleSections(splitter, minimum):
            func sections(_ n: Int) -> String { (["Intro."] + (0..<n).map { "\(splitter) \($0 + 1)\nContent." }).joined(separator: "\n") }
            return (sections(minimum), minimum > 0 ? sections(minimum - 1) : nil)
        case .jsonFormat:
            return ("{\"answer\": 42}", "answer: 42")
        case .title:
            return ("<<A Title>>\nBody.", "A Title\nBody.")
        case .twoResponses:
            return ("First.\n******\nSecond.", "Only one.")
        case let .repeatPrompt(prompt):
            return (prompt + "\nMy answer.", "My answer. " + prompt)
        case let .endChecker(phrase):
            return ("Body. " + phrase, phrase + " Extra words.")
        case let .capitalWordFrequency(frequency, relation):
            let enough = repeated("WORD", frequency, filler: "end")
            let fewer = frequency > 0 ? repeated("WORD", frequency - 1, filler: "end") : nil
            return relation == .atLeast ? (enough, fewer) : (fewer, enough)
        case .englishCapital:
            return ("THIS IS MY ANSWER AND IT IS WRITTEN IN CAPITAL LETTERS.", "this is my answer and it is written in small letters.")
        case .englishLowercase:
            return ("this is my answer and it is written in small letters.", "This Is My Answer And It Is Written In Title Case.")
        case .noComma:
            return ("No commas in this answer.", "One, two.")
        case .quotation:
            return ("\"A quoted answer.\"", "A quoted answer.")
        }
    }

    @Test("every instruction passes its passing response and fails its failing one; every kind gets both")
    func everyInstruction() throws {
        guard let prompts = try IFEvalTestData.prompts(for: "everyInstruction") else { return }
        var passed: [IFEvalInstructionKind: Int] = [:]
        var failed: [IFEvalInstructionKind: Int] = [:]
        for prompt in prompts {
            for instruction in prompt.instructions {
                let (pass, fail) = Self.responses(for: instruction)
                if let pass {
                    #expect(IFEvalEvaluator.isFollowed(instruction, response: pass, mode: .strict), "key \(prompt.key) \(instruction) should pass: \(pass)")
                    #expect(IFEvalEvaluator.isFollowed(instruction, response: pass, mode: .loose), "key \(prompt.key) \(instruction) should pass loosely: \(pass)")
                    passed[instruction.kind, default: 0] += 1
                }
                if let fail {
                    #expect(!IFEvalEvaluator.isFollowed(instruction, response: fail, mode: .strict), "key \(prompt.key) \(instruction) should fail: \(fail)")
                    failed[instruction.kind, default: 0] += 1
                }
            }
        }
        for kind in IFEvalInstructionKind.allCases {
            #expect(passed[kind, default: 0] > 0, "no passing response for \(kind.rawValue)")
            #expect(failed[kind, default: 0] > 0, "no failing response for \(kind.rawValue)")
        }
        #expect(passed.values.reduce(0, +) >= 830)
        #expect(failed.values.reduce(0, +) >= 830)
    }
}
