// The 25 `check_following` rules of google-research/instruction_following_eval, one per case.
// Each comment states the reference rule being reproduced; the regular expressions are in
// `IFEvalPatterns`, the tokenisers in `IFEvalWordTokenizer` / `IFEvalSentenceSplitter`, and the
// language identification in `IFEvalLanguageDetector` (the three documented approximations).

/// Checks a response against one IFEval instruction with the reference's rules.
public enum IFEvalChecker {
    /// The options of `detectable_format:constrained_response`.
    public static let constrainedResponseOptions = ["My answer is yes.", "My answer is no.", "My answer is maybe."]

    /// Whether `response` follows `instruction` (the reference's `check_following`). This does not
    /// apply the evaluation's "blank responses fail" rule; `IFEvalEvaluator` does.
    public static func check(_ instruction: IFEvalInstruction, _ response: String) -> Bool {
        check(instruction, IFEvalPython.scalars(response))
    }

    /// The checker for one instruction as a function of the response.
    public static func checker(for instruction: IFEvalInstruction) -> @Sendable (String) -> Bool {
        { response in check(instruction, response) }
    }

    static func check(_ instruction: IFEvalInstruction, _ text: IFEvalScalars) -> Bool {
        switch instruction {
        case let .keywordsExistence(keywords):
            // Every keyword found by re.search(keyword, value, re.IGNORECASE).
            return keywords.allSatisfy { IFEvalPatterns.containsIgnoringCase(text, IFEvalPython.scalars($0)) }

        case let .keywordsFrequency(keyword, frequency, relation):
            // len(re.findall(keyword, value, re.IGNORECASE)) compared with the frequency.
            return relation.holds(IFEvalPatterns.countIgnoringCase(text, IFEvalPython.scalars(keyword)), frequency)

        case let .keywordsForbiddenWords(words):
            // No re.search(r"\b" + word + r"\b", value, re.IGNORECASE).
            return !words.contains { IFEvalPatterns.containsWordIgnoringCase(text, IFEvalPython.scalars($0)) }

        case let .keywordsLetterFrequency(letter, frequency, relation):
            // collections.Counter(value.lower())[letter].
            let letterScalars = IFEvalPython.scalars(letter)
            let count = letterScalars.count == 1 ? IFEvalPython.lower(text).filter { $0 == letterScalars[0] }.count : 0
            return relation.holds(count, frequency)

        case let .responseLanguage(language):
            // langdetect.detect(value) == language; text without letters counts as followed.
            guard let detected = IFEvalLanguageDetector.detect(IFEvalPython.string(text)) else { return true }
            return detected == language

        case let .numberSentences(count, relation):
            return relation.holds(IFEvalSentenceSplitter.spans(text).count, count)

        case let .numberParagraphs(count):
            // Pieces between "***" dividers; a blank piece is allowed only first or last.
            let pieces = IFEvalPatterns.splitOnDividers(text)
            var paragraphs = pieces.count
            for (index, piece) in pieces.enumerated() where IFEvalPython.strip(piece).isEmpty {
                guard index == 0 || index == pieces.count - 1 else { return false }
                paragraphs -= 1
            }
            return paragraphs == count

        case let .numberWords(count, relation):
            return relation.holds(IFEvalWordTokenizer.countWords(text), count)

        case let .nthParagraphFirstWord(paragraphs, nth, firstWord):
            return checkNthParagraphFirstWord(text, paragraphs: paragraphs, nth: nth, firstWord: firstWord)

        case let .numberPlaceholders(minimum):
            return IFEvalPatterns.placeholderCount(text) >= minimum

        case let .postscript(marker):
            return IFEvalPatterns.hasPostscript(IFEvalPython.lower(text), marker: marker)

        case let .numberBulletLists(count):
            return IFEvalPatterns.bulletCount(text) == count

        case .constrainedResponse:
            // value.strip() contains one of the three options.
            let stripped = IFEvalPython.strip(text)
            return constrainedResponseOptions.contains { IFEvalPython.contains(stripped, IFEvalPython.scalars($0)) }

        case let .numberHighlightedSections(minimum):
            return IFEvalPatterns.highlightCount(text) >= minimum

        case let .multipleSections(splitter, minimum):
            return IFEvalPatterns.sectionCount(text, splitter: IFEvalPython.scalars(splitter)) >= minimum

        case .jsonFormat:
            // Strip, drop a ```json / ```Json / ```JSON / ``` fence and a closing ```, strip, json.loads.
            var value = IFEvalPython.strip(text)
            for prefix in ["```json", "```Json", "```JSON", "```"] {
                value = IFEvalPython.removePrefix(value, IFEvalPython.scalars(prefix))
            }
            value = IFEvalPython.strip(IFEvalPython.removeSuffix(value, IFEvalPython.scalars("```")))
            return IFEvalJSON.isValid(IFEvalPython.string(value))

        case .title:
            return IFEvalPatterns.hasTitle(text)

        case .twoResponses:
            // Split on "******"; blank pieces allowed only first or last; exactly two different answers.
            var answers: [IFEvalScalars] = []
            let pieces = IFEvalPython.split(text, separator: IFEvalPython.scalars("******"))
            for (index, piece) in pieces.enumerated() {
                if IFEvalPython.strip(piece).isEmpty {
                    if index != 0 && index != pieces.count - 1 { return false }
                } else {
                    answers.append(piece)
                }
            }
            return answers.count == 2 && IFEvalPython.strip(answers[0]) != IFEvalPython.strip(answers[1])

        case let .repeatPrompt(prompt):
            // value.strip().lower().startswith(prompt.strip().lower())
            let response = IFEvalPython.lower(IFEvalPython.strip(text))
            return IFEvalPython.hasPrefix(response, IFEvalPython.lower(IFEvalPython.strip(prompt.unicodeScalars)))

        case let .endChecker(phrase):
            // value.strip().strip('"').lower().endswith(phrase.strip().lower())
            let response = IFEvalPython.lower(IFEvalPython.strip(IFEvalPython.strip(text), characters: ["\""]))
            return IFEvalPython.hasSuffix(response, IFEvalPython.lower(IFEvalPython.strip(phrase.unicodeScalars)))

        case let .capitalWordFrequency(frequency, relation):
            let capitals = IFEvalWordTokenizer.wordTokens(text).filter { IFEvalPython.isUpper($0) }.count
            return relation.holds(capitals, frequency)

        case .englishCapital:
            // value.isupper() and langdetect.detect(value) == "en" (no letters counts as followed).
            return IFEvalPython.isUpper(text) && isEnglishOrUndetectable(text)

        case .englishLowercase:
            return IFEvalPython.isLower(text) && isEnglishOrUndetectable(text)

        case .noComma:
            return !text.contains(",")

        case .quotation:
            let stripped = IFEvalPython.strip(text)
            return stripped.count > 1 && stripped.first == "\"" && stripped.last == "\""
        }
    }

    private static func isEnglishOrUndetectable(_ text: IFEvalScalars) -> Bool {
        guard let detected = IFEvalLanguageDetector.detect(IFEvalPython.string(text)) else { return true }
        return detected == "en"
    }

    /// The reference's `ParagraphFirstWordCheck`, including its quirk that blank pieces lower the
    /// paragraph count but still take part in indexing.
    private static func checkNthParagraphFirstWord(_ text: IFEvalScalars, paragraphs expected: Int, nth: Int, firstWord: String) -> Bool {
        let pieces = IFEvalPython.split(text, separator: ["\n", "\n"])
        let paragraphs = pieces.count - pieces.filter { IFEvalPython.strip($0).isEmpty }.count
        guard nth <= paragraphs else { return false }
        let paragraph = IFEvalPython.strip(pieces[nth - 1])
        guard let word = IFEvalPython.splitOnWhitespace(paragraph).first else { return false }
        // word.lstrip("'").lstrip('"'), then letters up to the first . , ? ! ' "
        let trimmed = IFEvalPython.strip(IFEvalPython.strip(word, characters: ["'"], trailing: false), characters: ["\""], trailing: false)
        let punctuation: Set<Unicode.Scalar> = [".", ",", "?", "!", "'", "\""]
        var first = IFEvalScalars()
        for scalar in trimmed {
            if punctuation.contains(scalar) { break }
            first.append(contentsOf: IFEvalPython.lower([scalar]))
        }
        return paragraphs == expected && first == IFEvalPython.scalars(firstWord)
    }
}
