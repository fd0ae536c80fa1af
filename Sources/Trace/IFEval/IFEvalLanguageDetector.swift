import Foundation

// Language identification for `language:response_language`, `change_case:english_capital` and
// `change_case:english_lowercase`.
//
// The reference calls `langdetect.detect`, a character n-gram naive-Bayes model that samples
// randomly (IFEval does not seed it, so the reference itself can answer differently on two runs
// for ambiguous text). We replace it with a deterministic identifier:
//
// 1. Count letters per script (combining marks and non-letters do not count). No letters at all
//    is langdetect's "No features in text" exception, which the reference treats as "followed":
//    `detect` returns nil for it.
// 2. The script with the most letters decides, in the order of `Script.allCases` on ties. Scripts
//    used by one language map straight to it (Hangul → ko, Thai → th, Tamil → ta, Gurmukhi → pa,
//    ...); Han text is ja when it contains any kana and zh-cn otherwise (langdetect's zh-tw is not
//    produced).
// 3. Within Latin, Cyrillic, Devanagari and Arabic script, each candidate language scores one point
//    per token on its `IFEvalStopWords` list (one-letter words ignored outside English) plus half a point per letter only it uses (ß for de,
//    ơ ư đ and the tone-marked vowels for vi, ے ں ہ ھ ٹ ڈ ڑ for ur, ة أ إ ؤ for ar,
//    ы э ё for ru, і ї є ґ for uk, ъ for bg, ...) or word beginning only it uses (the article
//    "ال" for ar). Arabic yeh and kaf are folded to their Persian forms first, since Persian is
//    often typed with them. The highest score wins, ties going to the
//    earlier language in the candidate list; Latin text with no evidence at all is "en".
//
// Coverage: en de fr es pt it nl sv da no fi pl cs ro hu tr id sw vi tl (Latin), ru bg uk
// (Cyrillic), hi mr ne (Devanagari), ar fa ur (Arabic), and ko ja zh-cn th bn pa gu ta te kn ml he
// el by script. That includes every language of the IFEval data. langdetect's other languages
// (af ca cy et hr lt lv sk sl so sq mk) are not produced.

/// A deterministic replacement for `langdetect.detect` (see the file comment for the method).
public enum IFEvalLanguageDetector {
    /// The ISO 639-1 code of the text's language (langdetect's spelling, e.g. "zh-cn"), or nil
    /// when the text has no letters.
    public static func detect(_ text: String) -> String? {
        // NFC so that decomposed Vietnamese or Latin letters count as the letters they spell.
        let scalars = IFEvalScalars(text.precomposedStringWithCanonicalMapping.unicodeScalars)
        var letterCounts = [Int](repeating: 0, count: Script.allCases.count)
        var kana = 0
        for scalar in scalars where IFEvalPython.isAlpha(scalar) {
            guard let script = Script(scalar) else { continue }
            letterCounts[script.rawValue] += 1
            if script == .han, (0x3040...0x30FF).contains(scalar.value) || (0x31F0...0x31FF).contains(scalar.value) || (0xFF66...0xFF9F).contains(scalar.value) {
                kana += 1
            }
        }
        guard let best = letterCounts.indices.max(by: { letterCounts[$0] < letterCounts[$1] || (letterCounts[$0] == letterCounts[$1] && $0 > $1) }),
              letterCounts[best] > 0,
              let script = Script(rawValue: best)
        else { return nil }
        switch script {
        case .latin: return vote(scalars, among: latinLanguages, default: "en")
        case .cyrillic: return vote(scalars, among: cyrillicLanguages, default: "ru")
        case .devanagari: return vote(scalars, among: devanagariLanguages, default: "hi")
        case .arabic: return vote(folded(scalars), among: arabicLanguages, default: "ar")
        case .han: return kana > 0 ? "ja" : "zh-cn"
        default: return script.language
        }
    }

    /// Writing systems, in tie-breaking order.
    enum Script: Int, CaseIterable {
        case latin, cyrillic, greek, armenian, hebrew, arabic, devanagari, bengali, gurmukhi, gujarati, oriya,
             tamil, telugu, kannada, malayalam, sinhala, thai, lao, georgian, hangul, han

        init?(_ scalar: Unicode.Scalar) {
            switch scalar.value {
            case 0x0041...0x024F, 0x1E00...0x1EFF, 0x2C60...0x2C7F, 0xA720...0xA7FF, 0xFF21...0xFF5A: self = .latin
            case 0x0370...0x03FF, 0x1F00...0x1FFF: self = .greek
            case 0x0400...0x052F, 0x1C80...0x1C8F, 0x2DE0...0x2DFF, 0xA640...0xA69F: self = .cyrillic
            case 0x0530...0x058F: self = .armenian
            case 0x0590...0x05FF, 0xFB1D...0xFB4F: self = .hebrew
            case 0x0600...0x06FF, 0x0750...0x077F, 0x08A0...0x08FF, 0xFB50...0xFDFF, 0xFE70...0xFEFF: self = .arabic
            case 0x0900...0x097F, 0xA8E0...0xA8FF: self = .devanagari
            case 0x0980...0x09FF: self = .bengali
            case 0x0A00...0x0A7F: self = .gurmukhi
            case 0x0A80...0x0AFF: self = .gujarati
            case 0x0B00...0x0B7F: self = .oriya
            case 0x0B80...0x0BFF: self = .tamil
            case 0x0C00...0x0C7F: self = .telugu
            case 0x0C80...0x0CFF: self = .kannada
            case 0x0D00...0x0D7F: self = .malayalam
            case 0x0D80...0x0DFF: self = .sinhala
            case 0x0E00...0x0E7F: self = .thai
            case 0x0E80...0x0EFF: self = .lao
            case 0x10A0...0x10FF: self = .georgian
            case 0x1100...0x11FF, 0x3130...0x318F, 0xAC00...0xD7AF: self = .hangul
            case 0x3040...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9F, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FFFF:
                self = .han
            default: return nil
            }
        }

        /// The language of a script that (for our purposes) only one language uses.
        var language: String {
            switch self {
            case .latin: "en"
            case .cyrillic: "ru"
            case .greek: "el"
            case .armenian: "hy"
            case .hebrew: "he"
            case .arabic: "ar"
            case .devanagari: "hi"
            case .bengali: "bn"
            case .gurmukhi: "pa"
            case .gujarati: "gu"
            case .oriya: "or"
            case .tamil: "ta"
            case .telugu: "te"
            case .kannada: "kn"
            case .malayalam: "ml"
            case .sinhala: "si"
            case .thai: "th"
            case .lao: "lo"
            case .georgian: "ka"
            case .hangul: "ko"
            case .han: "zh-cn"
            }
        }
    }

    /// A candidate language: its code, its function words, and letters only it uses.
    struct Candidate {
        var code: String
        var stopWords: Set<String>
        var distinctiveLetters: Set<Unicode.Scalar>
        /// Word beginnings only this language uses (Arabic's article "ال").
        var distinctivePrefixes: [String] = []
    }

    private static func letters(_ list: String) -> Set<Unicode.Scalar> { Set(list.unicodeScalars.filter { $0 != " " }) }

    /// Stop words without one-letter words: "a", "o", "e", "i", "s", "v", "z" are frequent in
    /// several languages, and in a short English fragment ("p. s. hi") a single letter would
    /// otherwise decide the language.
    private static func multiLetter(_ words: Set<String>) -> Set<String> { words.filter { $0.unicodeScalars.count > 1 } }

    /// Vietnamese letters with tone marks (U+1EA0...U+1EF9) and ơ ư đ.
    private static let vietnameseLetters: Set<Unicode.Scalar> = {
        var set = letters("ơ ư đ Ơ Ư Đ")
        for value in UInt32(0x1EA0)...UInt32(0x1EF9) { set.insert(Unicode.Scalar(value)!) }
        return set
    }()

    static let latinLanguages: [Candidate] = [
        Candidate(code: "en", stopWords: IFEvalStopWords.english, distinctiveLetters: []),
        Candidate(code: "de", stopWords: multiLetter(IFEvalStopWords.german), distinctiveLetters: letters("ß")),
        Candidate(code: "fr", stopWords: multiLetter(IFEvalStopWords.french), distinctiveLetters: letters("œ Œ")),
        Candidate(code: "es", stopWords: multiLetter(IFEvalStopWords.spanish), distinctiveLetters: letters("ñ Ñ")),
        Candidate(code: "pt", stopWords: multiLetter(IFEvalStopWords.portuguese), distinctiveLetters: letters("ã õ Ã Õ")),
        Candidate(code: "it", stopWords: multiLetter(IFEvalStopWords.italian), distinctiveLetters: []),
        Candidate(code: "nl", stopWords: multiLetter(IFEvalStopWords.dutch), distinctiveLetters: []),
        Candidate(code: "sv", stopWords: multiLetter(IFEvalStopWords.swedish), distinctiveLetters: []),
        Candidate(code: "da", stopWords: multiLetter(IFEvalStopWords.danish), distinctiveLetters: []),
        Candidate(code: "no", stopWords: multiLetter(IFEvalStopWords.norwegian), distinctiveLetters: []),
        Candidate(code: "fi", stopWords: multiLetter(IFEvalStopWords.finnish), distinctiveLetters: []),
        Candidate(code: "pl", stopWords: multiLetter(IFEvalStopWords.polish), distinctiveLetters: letters("ł ą ę ś ź ż ń Ł Ą Ę Ś Ź Ż")),
        Candidate(code: "cs", stopWords: multiLetter(IFEvalStopWords.czech), distinctiveLetters: letters("ř ů ě Ř Ů Ě")),
        Candidate(code: "ro", stopWords: multiLetter(IFEvalStopWords.romanian), distinctiveLetters: letters("ș ț Ș Ț")),
        Candidate(code: "hu", stopWords: multiLetter(IFEvalStopWords.hungarian), distinctiveLetters: letters("ő ű Ő Ű")),
        Candidate(code: "tr", stopWords: multiLetter(IFEvalStopWords.turkish), distinctiveLetters: letters("ğ ı İ Ğ")),
        Candidate(code: "id", stopWords: multiLetter(IFEvalStopWords.indonesian), distinctiveLetters: []),
        Candidate(code: "sw", stopWords: multiLetter(IFEvalStopWords.swahili), distinctiveLetters: []),
        Candidate(code: "vi", stopWords: multiLetter(IFEvalStopWords.vietnamese), distinctiveLetters: vietnameseLetters),
        Candidate(code: "tl", stopWords: multiLetter(IFEvalStopWords.tagalog), distinctiveLetters: []),
    ]

    static let cyrillicLanguages: [Candidate] = [
        Candidate(code: "ru", stopWords: IFEvalStopWords.russian, distinctiveLetters: letters("ы э ё Ы Э Ё")),
        Candidate(code: "bg", stopWords: IFEvalStopWords.bulgarian, distinctiveLetters: letters("ъ Ъ")),
        Candidate(code: "uk", stopWords: IFEvalStopWords.ukrainian, distinctiveLetters: letters("і ї є ґ І Ї Є Ґ")),
    ]

    static let devanagariLanguages: [Candidate] = [
        Candidate(code: "hi", stopWords: IFEvalStopWords.hindi, distinctiveLetters: []),
        Candidate(code: "mr", stopWords: IFEvalStopWords.marathi, distinctiveLetters: letters("ळ")),
        Candidate(code: "ne", stopWords: IFEvalStopWords.nepali, distinctiveLetters: []),
    ]

    /// Arabic-script candidates. Arabic's yeh (U+064A, U+0649) and kaf (U+0643) are folded to the
    /// Persian forms before matching (Persian is often typed with the Arabic letters), so Arabic's
    /// own evidence is teh marbuta, hamza on alef and waw, and words starting with the article.
    static let arabicLanguages: [Candidate] = [
        Candidate(code: "ar", stopWords: Set(IFEvalStopWords.arabic.map(fold)), distinctiveLetters: letters("ة أ إ ؤ"),
                  distinctivePrefixes: ["\u{0627}\u{0644}"]),
        Candidate(code: "fa", stopWords: Set(IFEvalStopWords.persian.map(fold)), distinctiveLetters: letters("ژ")),
        Candidate(code: "ur", stopWords: Set(IFEvalStopWords.urdu.map(fold)),
                  distinctiveLetters: ["\u{06D2}", "\u{06BA}", "\u{06C1}", "\u{06BE}", "\u{0679}", "\u{0688}", "\u{0691}"]),
    ]

    private static func foldScalar(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0x064A, 0x0649: "\u{06CC}"
        case 0x0643: "\u{06A9}"
        default: scalar
        }
    }

    private static func fold(_ word: String) -> String { IFEvalPython.string(word.unicodeScalars.map(foldScalar)) }

    private static func folded(_ scalars: IFEvalScalars) -> IFEvalScalars { scalars.map(foldScalar) }

    /// Tokens: runs of letters and combining marks, lower-cased.
    static func tokens(_ scalars: IFEvalScalars) -> [String] {
        var out: [String] = []
        var current = IFEvalScalars()
        func isTokenScalar(_ scalar: Unicode.Scalar) -> Bool {
            if IFEvalPython.isAlpha(scalar) { return true }
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: return true
            default: return false
            }
        }
        for scalar in scalars {
            if isTokenScalar(scalar) {
                current.append(scalar)
            } else if !current.isEmpty {
                out.append(IFEvalPython.string(IFEvalPython.lower(current)))
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { out.append(IFEvalPython.string(IFEvalPython.lower(current))) }
        return out
    }

    static func scores(_ scalars: IFEvalScalars, among candidates: [Candidate]) -> [Double] {
        var scores = [Double](repeating: 0, count: candidates.count)
        for token in tokens(scalars) {
            for (index, candidate) in candidates.enumerated() {
                if candidate.stopWords.contains(token) { scores[index] += 1 }
                if candidate.distinctivePrefixes.contains(where: { token.unicodeScalars.starts(with: $0.unicodeScalars) && token.unicodeScalars.count > $0.unicodeScalars.count }) {
                    scores[index] += 0.5
                }
            }
        }
        for scalar in scalars {
            for (index, candidate) in candidates.enumerated() where candidate.distinctiveLetters.contains(scalar) {
                scores[index] += 0.5
            }
        }
        return scores
    }

    private static func vote(_ scalars: IFEvalScalars, among candidates: [Candidate], default fallback: String) -> String {
        let scores = scores(scalars, among: candidates)
        var best = 0
        for index in scores.indices where scores[index] > scores[best] { best = index }
        return scores[best] > 0 ? candidates[best].code : fallback
    }
}
