// The pieces a response plan is made of: carriers, units and layouts.

/// A short phrase that brings required words into a unit.
struct Carrier: Sendable, Hashable {
    var tokens: [String]
    /// Prefix carriers open the unit ("hey,", "first,"); the others follow the base clause.
    var isPrefix: Bool
    var wordCount: Int

    /// Every token is one word (possibly with punctuation around it) unless `words` says otherwise.
    init(_ tokens: [String], prefix: Bool = false, words: Int? = nil) {
        self.tokens = tokens
        self.isPrefix = prefix
        self.wordCount = words ?? tokens.count
    }

    static func letterRuns(in token: String) -> Int {
        var count = 0
        var inWord = false
        for b in token.utf8 {
            let letter = (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
            if letter && !inWord { count += 1 }
            inWord = letter
        }
        return count
    }
}

/// The overall shape of a response.
enum PlannedLayout: Sendable, Hashable {
    case prose
    case bullets(String)
    case numbered(String)
    case json(String)
    case table(String, String)
    case template([String])

    var isList: Bool {
        switch self {
        case .bullets, .numbered: return true
        default: return false
        }
    }
}

/// One unit (sentence) of a planned response.
struct PlannedUnit: Sendable {
    var prefix: [Carrier] = []
    var base: [String] = []
    /// Where an adjective may be inserted (before the noun of "the N"), if anywhere.
    var adjectiveSlot: Int?
    var growth: [String] = []
    var growthStage = 0
    var suffix: [Carrier] = []
    var final: Carrier?
    var isQuestion = false
    var terminator = "."
    /// Word count of the base clause before growth, as planned for capacity checks.
    var plannedBaseWords = 0

    var carrierWords: Int {
        prefix.reduce(0) { $0 + $1.wordCount } + suffix.reduce(0) { $0 + $1.wordCount } + (final?.wordCount ?? 0)
    }

    var wordCount: Int { plannedBaseWords + growth.count + carrierWords }
}
