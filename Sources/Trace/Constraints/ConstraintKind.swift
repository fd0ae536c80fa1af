// The rule-checkable constraint kinds of the synthetic benchmark, and the TRACE dimension each
// belongs to. Every kind has a verifier (ConstraintVerifier.swift): a pure function of the
// response text, so a judge needs nothing but the spec and the response.

/// A kind of rule-checkable constraint.
public enum ConstraintKind: String, CaseIterable, Sendable, Codable, Hashable {
    // Content
    case includeWords, excludeWords, wordFrequency, theme, value, noNames, noDigits
    case wordCountMax, wordCountMin, itemCount, sentenceCount
    // Situation
    case rolePlay, audience, priorCondition, processSteps, markdownProcess, tableLookup, textFacts
    // Style
    case tone, emotion, askQuestion, simile, multilingual
    // Format
    case jsonFormat, tableFormat, bulletList, numbering, letterCase, separatorLine, oneParagraph
    case firstPerson, futureTense, citeMarker, sourceLine, sections, orderWords, template
    // Example
    case positiveExample, negativeExample

    /// The TRACE dimension this kind instantiates.
    public var dimension: TraceDimension {
        switch self {
        case .includeWords: return .inclusion
        case .excludeWords: return .exclusion
        case .wordFrequency, .wordCountMax, .wordCountMin, .itemCount, .sentenceCount: return .numerical
        case .theme: return .theme
        case .value: return .value
        case .noNames, .noDigits: return .privacy
        case .rolePlay: return .rolePlaying
        case .audience: return .targetAudience
        case .priorCondition: return .priorCondition
        case .processSteps: return .naturalLanguageProcessBackground
        case .markdownProcess: return .markdownProcessBackground
        case .tableLookup: return .tableBackground
        case .textFacts: return .textBackground
        case .tone: return .toneAndStyle
        case .emotion: return .emotion
        case .askQuestion, .simile: return .linguisticCharacteristics
        case .multilingual: return .multilingual
        case .jsonFormat, .tableFormat: return .outputFormat
        case .bulletList, .numbering: return .numberingAndList
        case .letterCase, .separatorLine, .oneParagraph: return .textPattern
        case .firstPerson, .futureTense: return .grammarStructure
        case .citeMarker, .sourceLine: return .citation
        case .sections, .orderWords: return .hierarchicalStructure
        case .template: return .template
        case .positiveExample: return .positiveExample
        case .negativeExample: return .negativeExample
        }
    }
}

/// Option values the verifiers understand, per kind.
public enum ConstraintOptions {
    public static let audiences = ["children", "experts", "beginners"]
    public static let tones = ["excited", "calm", "formal", "casual"]
    public static let bulletMarkers = ["-", "*"]
    public static let numberingStyles = ["1.", "1)", "(1)", "a)"]
    public static let letterCases = ["lower", "upper", "title"]
    public static let separators = ["***", "---", "==="]
    public static let citeMarkers = ["[1]"]
    public static let exampleShapes = ["quoted", "arrow", "keyValue"]
    public static let negativePatterns = ["repeatedWord", "doubleExclamation", "shouting"]
}
