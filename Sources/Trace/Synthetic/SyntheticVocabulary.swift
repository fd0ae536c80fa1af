// The closed vocabulary of the synthetic benchmark.
//
// Small on purpose: a model of one to five million parameters must learn it on a CPU in
// minutes. Every word the generator can emit is listed here or in the phrasings
// (ConstraintPhrasing.swift). Filler words (what responses are made of when no constraint asks
// for something) have at most six letters, so the "children" audience rule only bites on words
// a constraint requires.

/// Word lists of the synthetic benchmark.
public enum SyntheticVocabulary {
    /// A topic: the place a task is about and the nouns found there.
    public struct Theme: Sendable, Hashable {
        public var name: String
        public var nouns: [String]
    }

    public static let themes: [Theme] = [
        Theme(name: "garden", nouns: ["flower", "seed", "soil", "leaf", "tree", "bee", "rose", "grass"]),
        Theme(name: "beach", nouns: ["wave", "sand", "shell", "boat", "fish", "crab", "sun", "tide"]),
        Theme(name: "city", nouns: ["street", "bus", "shop", "bridge", "tower", "road", "train", "car"]),
        Theme(name: "kitchen", nouns: ["bread", "soup", "pan", "oven", "rice", "cake", "spoon", "cup"]),
        Theme(name: "school", nouns: ["book", "class", "pen", "desk", "lesson", "paper", "test", "chalk"]),
        Theme(name: "farm", nouns: ["cow", "horse", "barn", "field", "corn", "hen", "goat", "fence"]),
        Theme(name: "forest", nouns: ["pine", "owl", "deer", "path", "log", "moss", "fox", "hill"]),
        Theme(name: "market", nouns: ["fruit", "apple", "stall", "basket", "coin", "pear", "plum", "bag"]),
    ]

    public static let adjectives = ["big", "small", "red", "green", "blue", "old", "new", "warm",
                                    "cold", "bright", "quiet", "soft", "fast", "tall"]
    public static let verbs = ["see", "find", "make", "like", "need", "bring", "keep", "watch",
                               "visit", "share", "carry", "enjoy"]
    /// One-word extensions appended to a clause to lengthen it.
    public static let growthWords = ["today", "here", "now"]
    /// Colors that appear only in input tables, so a table lookup is never satisfied by chance.
    public static let tableColors = ["pink", "gray", "gold", "brown", "white", "black", "purple", "orange"]
    public static let steps = ["wash", "cut", "mix", "cook", "pack", "check", "plan", "serve", "dry", "sort"]
    public static let orderWords = ["first", "then", "finally"]
    public static let roles = ["chef", "pilot", "farmer", "doctor", "guide", "poet", "coach", "baker"]
    public static let technicalWords = ["method", "data", "result", "model", "system"]
    /// (value noun used in the instruction, word the response must use)
    public static let values: [(noun: String, word: String)] = [
        ("kindness", "kind"), ("honesty", "honest"), ("fairness", "fair"), ("safety", "safe"),
    ]
    /// (emotion named in the instruction, word the response must use)
    public static let emotions: [(name: String, word: String)] = [
        ("joy", "happy"), ("sadness", "sad"), ("pride", "proud"), ("surprise", "wow"),
    ]
    /// (option, act, language, word): greetings go first in a sentence, thanks at its end.
    public static let foreignWords: [(option: String, act: String, language: String, word: String)] = [
        ("greet-french", "greet", "French", "bonjour"), ("greet-spanish", "greet", "Spanish", "hola"),
        ("greet-italian", "greet", "Italian", "ciao"), ("thank-french", "thank", "French", "merci"),
        ("thank-spanish", "thank", "Spanish", "gracias"), ("thank-german", "thank", "German", "danke"),
    ]
    public static let names = ["anna", "ben", "carl", "dana", "eva", "finn"]
    public static let priorPairs: [(yes: String, no: String)] = [("yes", "no"), ("true", "false")]
    public static let jsonKeys = ["points", "items", "notes", "tips"]
    public static let tableColumns: [(String, String)] = [("item", "note"), ("name", "detail"), ("part", "info")]
    public static let templateLabels = ["topic", "place", "time", "tip", "goal"]
    public static let sectionNumbers = ["one", "two", "three", "four", "five", "six"]
    /// The opening line of a role-play answer; it is one sentence, first person and future tense.
    public static func openingLine(role: String) -> [String] { ["as", "a", role + ",", "i", "will", "help"] }
    /// The last line when a "Source:" line is required; first person and future tense too.
    public static let sourceLine = ["source:", "we", "will", "use", "the", "notes"]

    /// Task descriptions; `{t}` is the theme name.
    static let plainTasks = [
        "Write a short note about the {t}.", "Describe a visit to the {t}.",
        "Give some tips for the {t}.", "Tell a short story about the {t}.",
        "Explain why people like the {t}.", "Plan a day at the {t}.",
    ]
    static let textInputTasks = ["Summarize the input about the {t}.", "Retell the input story from the {t}."]
    static let tableInputTasks = ["Describe the things in the table from the {t}.", "Write about the {t} things in the table."]

    static func theme(named name: String) -> Theme? { themes.first { $0.name == name } }

    static func capitalized(_ word: String) -> String {
        guard let first = word.first else { return word }
        return first.uppercased() + word.dropFirst()
    }
}
