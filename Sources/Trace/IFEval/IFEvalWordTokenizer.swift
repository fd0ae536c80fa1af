// Word-level tokenisation used by the IFEval checkers.
//
// - `countWords` is exact: the reference counts tokens of `nltk.tokenize.RegexpTokenizer(r"\w+")`,
//   i.e. maximal runs of Python `\w` characters (letters, numbers, underscore; not combining marks).
//   This is Python `re` as NLTK up to 3.9 uses it; NLTK 3.10 compiles the pattern with the
//   third-party `regex` engine, whose `\w` also matches combining marks, so it counts fewer words
//   in Indic and Thai text ("สเปรดชีต" is two words here and one there).
// - `wordTokens` approximates `nltk.word_tokenize` (Punkt sentence split, then NLTK's Treebank-style
//   word tokenizer). Its only use is `change_case:capital_word_frequency`, which counts tokens
//   for which `str.isupper()` holds, so what must match is where NLTK splits one run of letters
//   from another. We split on whitespace, on the characters NLTK always pads
//   (`; @ # $ % & ? ! * ( ) [ ] { } < > "` and the typographic quotes « » “ ” ‘ ’ „ and backtick),
//   on `,` and `:` unless a digit follows, on `--` and on runs of two or more dots, and we split
//   the contraction suffixes NLTK splits (`'s 'm 'd 'll 're 've n't` and their upper-case forms,
//   plus cannot, gonna, gotta, wanna, gimme, lemme). Deviations: the final-period rule and NLTK's
//   quote rewriting are not reproduced because they never change an `isupper` count, and a few
//   rare NLTK rules (leading-apostrophe splitting, "'tis"/"'twas") are omitted.

/// Word counting and tokenisation with the reference's semantics (see the file comment).
public enum IFEvalWordTokenizer {
    /// The number of `\w+` runs, as `instructions_util.count_words` computes it.
    public static func countWords(_ text: String) -> Int {
        countWords(IFEvalPython.scalars(text))
    }

    static func countWords(_ text: IFEvalScalars) -> Int {
        var count = 0
        var inWord = false
        for scalar in text {
            let word = IFEvalPython.isWord(scalar)
            if word && !inWord { count += 1 }
            inWord = word
        }
        return count
    }

    /// Tokens approximating `nltk.word_tokenize(text)`.
    public static func wordTokens(_ text: String) -> [String] {
        wordTokens(IFEvalPython.scalars(text)).map { IFEvalPython.string($0) }
    }

    /// The number of tokens for which `str.isupper()` holds, as
    /// `change_case:capital_word_frequency` counts them.
    public static func countCapitalWords(_ text: String) -> Int {
        wordTokens(IFEvalPython.scalars(text)).filter { IFEvalPython.isUpper($0) }.count
    }

    private static let alwaysSplit: Set<Unicode.Scalar> = [
        ";", "@", "#", "$", "%", "&", "?", "!", "*", "(", ")", "[", "]", "{", "}", "<", ">", "\"", "`",
        "\u{AB}", "\u{BB}", "\u{201C}", "\u{201D}", "\u{2018}", "\u{2019}", "\u{201E}",
    ]

    static func wordTokens(_ text: IFEvalScalars) -> [IFEvalScalars] {
        var tokens: [IFEvalScalars] = []
        for chunk in IFEvalPython.splitOnWhitespace(text) {
            for piece in splitPunctuation(chunk) {
                tokens.append(contentsOf: splitContractions(piece))
            }
        }
        return tokens
    }

    private static func splitPunctuation(_ chunk: IFEvalScalars) -> [IFEvalScalars] {
        var pieces: [IFEvalScalars] = []
        var current = IFEvalScalars()
        func flush() {
            if !current.isEmpty { pieces.append(current); current.removeAll() }
        }
        var i = 0
        while i < chunk.count {
            let scalar = chunk[i]
            // Runs of two or more dots and double dashes are tokens of their own.
            if scalar == "." || scalar == "-" {
                var j = i
                while j < chunk.count && chunk[j] == scalar { j += 1 }
                if j - i >= 2 {
                    flush()
                    pieces.append(IFEvalScalars(chunk[i..<j]))
                    i = j
                    continue
                }
            }
            let isSeparator: Bool
            if alwaysSplit.contains(scalar) {
                isSeparator = true
            } else if scalar == "," || scalar == ":" {
                isSeparator = i + 1 >= chunk.count || !IFEvalPython.isDecimal(chunk[i + 1])
            } else {
                isSeparator = false
            }
            if isSeparator {
                flush()
                pieces.append([scalar])
            } else {
                current.append(scalar)
            }
            i += 1
        }
        flush()
        return pieces
    }

    private static let contractionSuffixes: [IFEvalScalars] = [
        "'s", "'S", "'m", "'M", "'d", "'D", "'ll", "'LL", "'re", "'RE", "'ve", "'VE", "n't", "N'T",
    ].map { IFEvalPython.scalars($0) }

    private static let twoPartWords: [(String, Int)] = [
        ("cannot", 3), ("gonna", 3), ("gotta", 3), ("wanna", 3), ("gimme", 3), ("lemme", 3),
    ]

    private static func splitContractions(_ token: IFEvalScalars) -> [IFEvalScalars] {
        let lowered = IFEvalPython.string(IFEvalPython.lower(token))
        for (word, cut) in twoPartWords where lowered == word {
            return [IFEvalScalars(token[..<cut]), IFEvalScalars(token[cut...])]
        }
        for suffix in contractionSuffixes where token.count > suffix.count && IFEvalPython.hasSuffix(token, suffix) {
            let stem = IFEvalScalars(token[..<(token.count - suffix.count)])
            // NLTK requires a character other than an apostrophe before the suffix.
            if let last = stem.last, last != "'" {
                return [stem, suffix]
            }
        }
        return [token]
    }
}
