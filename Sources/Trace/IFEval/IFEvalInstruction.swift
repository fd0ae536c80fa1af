/// The 25 verifiable instruction kinds of IFEval, named by the reference's instruction ids.
public enum IFEvalInstructionKind: String, CaseIterable, Sendable, Hashable, Codable, Comparable {
    case keywordsExistence = "keywords:existence"
    case keywordsFrequency = "keywords:frequency"
    case keywordsForbiddenWords = "keywords:forbidden_words"
    case keywordsLetterFrequency = "keywords:letter_frequency"
    case responseLanguage = "language:response_language"
    case numberSentences = "length_constraints:number_sentences"
    case numberParagraphs = "length_constraints:number_paragraphs"
    case numberWords = "length_constraints:number_words"
    case nthParagraphFirstWord = "length_constraints:nth_paragraph_first_word"
    case numberPlaceholders = "detectable_content:number_placeholders"
    case postscript = "detectable_content:postscript"
    case numberBulletLists = "detectable_format:number_bullet_lists"
    case constrainedResponse = "detectable_format:constrained_response"
    case numberHighlightedSections = "detectable_format:number_highlighted_sections"
    case multipleSections = "detectable_format:multiple_sections"
    case jsonFormat = "detectable_format:json_format"
    case title = "detectable_format:title"
    case twoResponses = "combination:two_responses"
    case repeatPrompt = "combination:repeat_prompt"
    case endChecker = "startend:end_checker"
    case capitalWordFrequency = "change_case:capital_word_frequency"
    case englishCapital = "change_case:english_capital"
    case englishLowercase = "change_case:english_lowercase"
    case noComma = "punctuation:no_comma"
    case quotation = "startend:quotation"

    /// The part of the id before the colon ("keywords", "detectable_format", ...), the reference's
    /// first reporting tier.
    public var category: String { String(rawValue.prefix { $0 != ":" }) }

    /// The keyword arguments the reference's `build_description` accepts for this kind.
    public var argumentNames: [String] {
        switch self {
        case .keywordsExistence: ["keywords"]
        case .keywordsFrequency: ["frequency", "keyword", "relation"]
        case .keywordsForbiddenWords: ["forbidden_words"]
        case .keywordsLetterFrequency: ["let_frequency", "let_relation", "letter"]
        case .responseLanguage: ["language"]
        case .numberSentences: ["num_sentences", "relation"]
        case .numberParagraphs: ["num_paragraphs"]
        case .numberWords: ["num_words", "relation"]
        case .nthParagraphFirstWord: ["first_word", "nth_paragraph", "num_paragraphs"]
        case .numberPlaceholders: ["num_placeholders"]
        case .postscript: ["postscript_marker"]
        case .numberBulletLists: ["num_bullets"]
        case .numberHighlightedSections: ["num_highlights"]
        case .multipleSections: ["num_sections", "section_spliter"]
        case .repeatPrompt: ["prompt_to_repeat"]
        case .endChecker: ["end_phrase"]
        case .capitalWordFrequency: ["capital_frequency", "capital_relation"]
        case .constrainedResponse, .jsonFormat, .title, .twoResponses, .englishCapital, .englishLowercase, .noComma, .quotation: []
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The two comparisons IFEval's counting instructions use.
public enum IFEvalRelation: String, CaseIterable, Sendable, Hashable, Codable {
    /// actual < threshold
    case lessThan = "less than"
    /// actual >= threshold
    case atLeast = "at least"

    public func holds(_ actual: Int, _ threshold: Int) -> Bool {
        switch self {
        case .lessThan: actual < threshold
        case .atLeast: actual >= threshold
        }
    }
}

/// One verifiable instruction with its arguments, normalised the way the reference's
/// `build_description` normalises them (keywords stripped, letters and first words lower-cased,
/// forbidden words de-duplicated and sorted, markers and phrases stripped). Check a response with
/// `isFollowed(by:)`.
public enum IFEvalInstruction: Sendable, Hashable {
    case keywordsExistence(keywords: [String])
    case keywordsFrequency(keyword: String, frequency: Int, relation: IFEvalRelation)
    case keywordsForbiddenWords(words: [String])
    case keywordsLetterFrequency(letter: String, frequency: Int, relation: IFEvalRelation)
    case responseLanguage(language: String)
    case numberSentences(count: Int, relation: IFEvalRelation)
    case numberParagraphs(count: Int)
    case numberWords(count: Int, relation: IFEvalRelation)
    case nthParagraphFirstWord(paragraphs: Int, nth: Int, firstWord: String)
    case numberPlaceholders(minimum: Int)
    case postscript(marker: String)
    case numberBulletLists(count: Int)
    case constrainedResponse
    case numberHighlightedSections(minimum: Int)
    case multipleSections(splitter: String, minimum: Int)
    case jsonFormat
    case title
    case twoResponses
    case repeatPrompt(prompt: String)
    case endChecker(phrase: String)
    case capitalWordFrequency(frequency: Int, relation: IFEvalRelation)
    case englishCapital
    case englishLowercase
    case noComma
    case quotation

    public var kind: IFEvalInstructionKind {
        switch self {
        case .keywordsExistence: .keywordsExistence
        case .keywordsFrequency: .keywordsFrequency
        case .keywordsForbiddenWords: .keywordsForbiddenWords
        case .keywordsLetterFrequency: .keywordsLetterFrequency
        case .responseLanguage: .responseLanguage
        case .numberSentences: .numberSentences
        case .numberParagraphs: .numberParagraphs
        case .numberWords: .numberWords
        case .nthParagraphFirstWord: .nthParagraphFirstWord
        case .numberPlaceholders: .numberPlaceholders
        case .postscript: .postscript
        case .numberBulletLists: .numberBulletLists
        case .constrainedResponse: .constrainedResponse
        case .numberHighlightedSections: .numberHighlightedSections
        case .multipleSections: .multipleSections
        case .jsonFormat: .jsonFormat
        case .title: .title
        case .twoResponses: .twoResponses
        case .repeatPrompt: .repeatPrompt
        case .endChecker: .endChecker
        case .capitalWordFrequency: .capitalWordFrequency
        case .englishCapital: .englishCapital
        case .englishLowercase: .englishLowercase
        case .noComma: .noComma
        case .quotation: .quotation
        }
    }

    /// Whether `response` follows this instruction, by the reference's `check_following` rule.
    /// (Evaluation also requires a non-blank response; see `IFEvalEvaluator`.)
    public func isFollowed(by response: String) -> Bool {
        IFEvalChecker.check(self, response)
    }

    /// The ISO 639-1 codes the reference accepts for `language:response_language`
    /// (`instructions_util.LANGUAGE_CODES`; any other code makes the reference raise KeyError).
    public static let languageCodes: Set<String> = [
        "en", "es", "pt", "ar", "hi", "fr", "ru", "de", "ja", "it", "bn", "uk", "th", "ur", "ta", "te", "bg", "ko",
        "pl", "he", "fa", "vi", "ne", "sw", "kn", "mr", "gu", "pa", "ml", "fi",
    ]

    /// Builds an instruction from a reference instruction id and its kwargs.
    ///
    /// Keys whose value is JSON null are ignored, as the reference's data loaders do. Where the
    /// reference would pick a random value (an argument absent or out of range), this throws
    /// instead, because a randomly chosen argument cannot be evaluated reproducibly.
    public init(kind id: String, arguments: [String: IFEvalJSONValue], at location: IFEvalSourceLocation = .inMemory) throws(IFEvalError) {
        guard let kind = IFEvalInstructionKind(rawValue: id) else {
            throw .unknownInstruction(at: location, kind: id)
        }
        let reader = IFEvalArgumentReader(kind: kind, arguments: arguments.filter { $0.value != .null }, location: location)
        try reader.rejectUnexpected()
        switch kind {
        case .keywordsExistence:
            self = .keywordsExistence(keywords: try reader.strings("keywords").sorted())
        case .keywordsFrequency:
            let keyword = try reader.string("keyword")
            guard !keyword.isEmpty else { throw reader.invalid("keyword", "must not be empty") }
            self = .keywordsFrequency(keyword: IFEvalPython.string(IFEvalPython.strip(keyword.unicodeScalars)),
                                      frequency: try reader.count("frequency"), relation: try reader.relation("relation"))
        case .keywordsForbiddenWords:
            self = .keywordsForbiddenWords(words: Set(try reader.strings("forbidden_words")).sorted())
        case .keywordsLetterFrequency:
            // Any single character, as in the current google-research code. Earlier versions (and
            // lm-evaluation-harness) replace anything but an ASCII letter — the data's "#" and
            // "!" — by a random letter, which cannot be reproduced.
            let letter = try reader.string("letter")
            guard letter.unicodeScalars.count == 1 else { throw reader.invalid("letter", "must be exactly one character") }
            let stripped = IFEvalPython.strip(letter.unicodeScalars)
            self = .keywordsLetterFrequency(letter: IFEvalPython.string(IFEvalPython.lower(stripped)),
                                            frequency: try reader.count("let_frequency"), relation: try reader.relation("let_relation"))
        case .responseLanguage:
            let language = try reader.string("language")
            guard Self.languageCodes.contains(language) else {
                throw reader.invalid("language", "'\(language)' is not one of the reference's language codes")
            }
            self = .responseLanguage(language: language)
        case .numberSentences:
            self = .numberSentences(count: try reader.count("num_sentences"), relation: try reader.relation("relation"))
        case .numberParagraphs:
            self = .numberParagraphs(count: try reader.count("num_paragraphs"))
        case .numberWords:
            self = .numberWords(count: try reader.count("num_words"), relation: try reader.relation("relation"))
        case .nthParagraphFirstWord:
            let paragraphs = try reader.count("num_paragraphs")
            let nth = try reader.integer("nth_paragraph")
            guard nth >= 1 && nth <= paragraphs else {
                throw reader.invalid("nth_paragraph", "must be between 1 and num_paragraphs (\(paragraphs)), got \(nth)")
            }
            let firstWord = try reader.string("first_word")
            self = .nthParagraphFirstWord(paragraphs: paragraphs, nth: nth, firstWord: IFEvalPython.string(IFEvalPython.lower(firstWord.unicodeScalars)))
        case .numberPlaceholders:
            self = .numberPlaceholders(minimum: try reader.count("num_placeholders"))
        case .postscript:
            self = .postscript(marker: IFEvalPython.string(IFEvalPython.strip(try reader.string("postscript_marker").unicodeScalars)))
        case .numberBulletLists:
            self = .numberBulletLists(count: try reader.count("num_bullets"))
        case .constrainedResponse:
            self = .constrainedResponse
        case .numberHighlightedSections:
            self = .numberHighlightedSections(minimum: try reader.count("num_highlights"))
        case .multipleSections:
            let splitter = IFEvalPython.string(IFEvalPython.strip(try reader.string("section_spliter").unicodeScalars))
            self = .multipleSections(splitter: splitter, minimum: try reader.count("num_sections"))
        case .jsonFormat:
            self = .jsonFormat
        case .title:
            self = .title
        case .twoResponses:
            self = .twoResponses
        case .repeatPrompt:
            let prompt = try reader.string("prompt_to_repeat")
            guard !prompt.isEmpty else { throw reader.invalid("prompt_to_repeat", "must not be empty") }
            self = .repeatPrompt(prompt: prompt)
        case .endChecker:
            self = .endChecker(phrase: IFEvalPython.string(IFEvalPython.strip(try reader.string("end_phrase").unicodeScalars)))
        case .capitalWordFrequency:
            // The reference does not range-check this one, so neither do we.
            self = .capitalWordFrequency(frequency: try reader.integer("capital_frequency"), relation: try reader.relation("capital_relation"))
        case .englishCapital:
            self = .englishCapital
        case .englishLowercase:
            self = .englishLowercase
        case .noComma:
            self = .noComma
        case .quotation:
            self = .quotation
        }
    }
}

/// Typed access to one instruction's kwargs, producing errors that name the argument.
private struct IFEvalArgumentReader {
    let kind: IFEvalInstructionKind
    let arguments: [String: IFEvalJSONValue]
    let location: IFEvalSourceLocation

    func invalid(_ name: String, _ reason: String) -> IFEvalError {
        .invalidArgument(at: location, kind: kind.rawValue, argument: name, reason: reason)
    }

    func rejectUnexpected() throws(IFEvalError) {
        let allowed = Set(kind.argumentNames)
        if let extra = arguments.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .unexpectedArgument(at: location, kind: kind.rawValue, argument: extra)
        }
    }

    func value(_ name: String) throws(IFEvalError) -> IFEvalJSONValue {
        guard let value = arguments[name] else {
            throw .missingArgument(at: location, kind: kind.rawValue, argument: name)
        }
        return value
    }

    func integer(_ name: String) throws(IFEvalError) -> Int {
        switch try value(name) {
        case let .integer(number):
            return number
        case let .double(number) where number.rounded() == number && abs(number) < 1e15:
            return Int(number)
        default:
            throw invalid(name, "must be an integer")
        }
    }

    /// An integer the reference would replace by a random one when negative.
    func count(_ name: String) throws(IFEvalError) -> Int {
        let number = try integer(name)
        guard number >= 0 else { throw invalid(name, "must not be negative, got \(number)") }
        return number
    }

    func string(_ name: String) throws(IFEvalError) -> String {
        guard case let .string(text) = try value(name) else { throw invalid(name, "must be a string") }
        return text
    }

    func strings(_ name: String) throws(IFEvalError) -> [String] {
        guard case let .array(items) = try value(name) else { throw invalid(name, "must be a list of strings") }
        var texts: [String] = []
        for item in items {
            guard case let .string(text) = item else { throw invalid(name, "must be a list of strings") }
            texts.append(text)
        }
        guard !texts.isEmpty else { throw invalid(name, "must not be empty") }
        return texts
    }

    func relation(_ name: String) throws(IFEvalError) -> IFEvalRelation {
        let text = try string(name)
        guard let relation = IFEvalRelation(rawValue: text) else {
            throw invalid(name, "must be 'less than' or 'at least', got '\(text)'")
        }
        return relation
    }
}
