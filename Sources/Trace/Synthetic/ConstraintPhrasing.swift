// How each constraint spec is worded in an instruction.
//
// Every kind has three phrasings. Variants 0 and 1 appear in training and the in-domain eval;
// variant 2 is reserved for the out-of-domain eval (`heldOutPhrasing`), so that split tests
// whether a model follows a constraint worded in a way it has never seen.

/// Instruction wording of constraint specs.
public enum ConstraintPhrasing {
    /// Number of phrasings per kind.
    public static let variantCount = 3
    /// The phrasing variant never used in training or the in-domain eval.
    public static let heldOutPhrasing = 2

    static func quoted(_ s: String) -> String { "\"\(s)\"" }

    static func list(_ items: [String], conjunction: String = "and") -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items[items.count - 1]
        }
    }

    /// The text of `spec` in phrasing `variant` (0..<variantCount), without the "k. " number.
    public static func text(for spec: ConstraintSpec, variant: Int) -> String {
        let v = min(max(variant, 0), variantCount - 1)
        func pick(_ a: @autoclosure () -> String, _ b: @autoclosure () -> String, _ c: @autoclosure () -> String) -> String {
            switch v {
            case 0: return a()
            case 1: return b()
            default: return c()
            }
        }
        let w = spec.words
        let n = spec.number ?? 0
        let o = spec.option ?? ""
        switch spec.kind {
        case .includeWords:
            if w.count == 1 {
                return pick("Include the word \(quoted(w[0])).", "Use the word \(quoted(w[0])) in the answer.",
                            "Make sure \(quoted(w[0])) appears.")
            }
            let q = list(w.map(quoted))
            return pick("Include the words \(q).", "Use both \(q) in the answer.", "Make sure \(q) appear.")
        case .excludeWords:
            let q = list(w.map(quoted), conjunction: "or")
            return w.count == 1
                ? pick("Do not use the word \(q).", "Avoid the word \(q).", "Never write \(q).")
                : pick("Do not use the words \(q).", "Avoid the words \(q).", "Never write \(q).")
        case .wordFrequency:
            return pick("Use the word \(quoted(w[0])) exactly \(n) times.", "Write \(quoted(w[0])) \(n) times, no more and no less.",
                        "The word \(quoted(w[0])) must appear exactly \(n) times.")
        case .theme:
            return pick("Also link the text to the \(o).", "Mention two things from the \(o).", "Bring the \(o) into the text.")
        case .value:
            return pick("Promote \(o).", "Show the value of \(o).", "Let the text stand for \(o).")
        case .noNames:
            return pick("Do not reveal any names.", "Keep the people in the input anonymous.", "Hide every personal name.")
        case .noDigits:
            return pick("Do not write any digits.", "Use no numbers written as digits.", "Keep the text free of digits.")
        case .wordCountMax:
            return pick("Use at most \(n) words.", "Keep it within \(n) words.", "Do not go over \(n) words.")
        case .wordCountMin:
            return pick("Use at least \(n) words.", "Write \(n) words or more.", "The answer needs at least \(n) words.")
        case .itemCount:
            return pick("Give exactly \(n) items.", "List \(n) items, no more and no less.", "The list must hold exactly \(n) items.")
        case .sentenceCount:
            return pick("Write exactly \(n) sentences.", "Use \(n) sentences in total.", "The answer must have exactly \(n) sentences.")
        case .rolePlay:
            return pick("Answer as a \(o).", "You are a \(o); say so in the first line.", "Play the role of a \(o).")
        case .audience:
            return pick("Write for \(o).", "The readers are \(o).", "Make it fit for an audience of \(o).")
        case .priorCondition:
            let yes = quoted(w[0]), no = quoted(w[1])
            return pick("If the topic is the \(o), end with \(yes); otherwise end with \(no).",
                        "End with \(yes) if this is about the \(o), else with \(no).",
                        "When the topic is the \(o), the last word is \(yes); if not, it is \(no).")
        case .processSteps:
            return pick("Follow the process: \(w.joined(separator: ", then ")).",
                        "The steps are \(list(w)); keep this order.",
                        "Describe the steps in order: \(w.joined(separator: ", ")).")
        case .markdownProcess:
            let flow = w.joined(separator: " -> ")
            return pick("Follow the flow `\(flow)` and write each step in bold.",
                        "The flow is \(w.map { "**\($0)**" }.joined(separator: " -> ")); keep it and bold each step.",
                        "Go through `\(flow)` with every step in bold.")
        case .tableLookup:
            return pick("Use the table to give the color of the \(o).", "Tell the color of the \(o) from the table.",
                        "Look up the \(o) in the table and give its color.")
        case .textFacts:
            return pick("Use the facts from the input text.", "Keep the thing and the place from the input.",
                        "Base the answer on the input text.")
        case .tone:
            switch o {
            case "excited": return pick("Use an excited tone.", "Sound excited.", "Keep the tone full of excitement.")
            case "calm": return pick("Use a calm tone.", "Sound calm.", "Keep the tone calm and quiet.")
            case "formal": return pick("Use a formal tone.", "Sound formal and polite.", "Keep the tone formal.")
            default: return pick("Use a casual tone.", "Sound casual.", "Keep the tone relaxed and casual.")
            }
        case .emotion:
            return pick("Express \(o).", "Show a feeling of \(o).", "Let the text carry \(o).")
        case .askQuestion:
            return pick("Ask the reader a question.", "Include one question.", "Pose a question somewhere.")
        case .simile:
            return pick("Use a simile with \"like a\".", "Compare something using \"like a\".", "Add one simile.")
        case .multilingual:
            let entry = SyntheticVocabulary.foreignWords.first { $0.option == o }
            let language = entry?.language ?? o
            if entry?.act == "greet" {
                return pick("Greet the reader in \(language).", "Say hello in \(language).", "Add a \(language) greeting.")
            }
            return pick("Say thanks in \(language).", "Thank the reader in \(language).", "Add a \(language) word of thanks.")
        case .jsonFormat:
            let key = quoted(w[0])
            return pick("Answer in JSON with a list under the key \(key).", "Return a JSON object whose \(key) key holds the list.",
                        "Give the output as JSON: {\(key): [...]}.")
        case .tableFormat:
            let a = quoted(w[0]), b = quoted(w[1])
            return pick("Answer as a table with the columns \(a) and \(b).", "Use a table whose columns are \(a) and \(b).",
                        "Put the answer in a two-column table: \(a), \(b).")
        case .bulletList:
            let m = quoted(o)
            return pick("Answer as a bulleted list with \(m).", "Use \(m) bullets for each point.", "Start every point with \(m).")
        case .numbering:
            let (first, second) = numberingExamples(o)
            return pick("Number the items as \(quoted(first)), \(quoted(second)) and so on.",
                        "Use the numbering \(quoted(first)), \(quoted(second)), ...",
                        "Mark the items \(quoted(first)), \(quoted(second)) and onward.")
        case .letterCase:
            switch o {
            case "lower": return pick("Write everything in lowercase.", "Use only lowercase letters.", "Do not use any capital letters.")
            case "upper": return pick("Write everything in capital letters.", "Use only uppercase letters.", "Every letter must be a capital.")
            default: return pick("Capitalize every word.", "Start each word with a capital letter.", "Write in title case.")
            }
        case .separatorLine:
            let s = quoted(o)
            return pick("Separate the parts with a line of \(s).", "Put \(s) on its own line between parts.", "Use a \(s) line as the divider.")
        case .oneParagraph:
            return pick("Write a single paragraph.", "Keep everything in one paragraph.", "Do not break the text into lines.")
        case .firstPerson:
            return pick("Write in the first person.", "Every sentence must use \"I\" or \"we\".", "Narrate in the first person.")
        case .futureTense:
            return pick("Write every sentence in the future tense.", "Use \"will\" in every sentence.", "Talk only about the future.")
        case .citeMarker:
            return pick("Mark a fact with the citation \(o).", "Cite the source as \(o).", "Add the reference mark \(o).")
        case .sourceLine:
            return pick("End with a line that starts with \"Source:\".", "Put a \"Source:\" line at the end.",
                        "Close with the source on its own line.")
        case .sections:
            return pick("Organize the answer into \(n) sections with \"## \" headers.", "Use \(n) parts, each under a \"## \" header.",
                        "Split the answer into \(n) headed sections.")
        case .orderWords:
            let q = list(w.map(quoted))
            return pick("Use \(q) in that order.", "Structure it with \(q).", "Order the ideas with \(w.joined(separator: ", ")).")
        case .template:
            let labels = w.map { SyntheticVocabulary.capitalized($0) + ": ..." }
            return pick("Fill the template: \(list(labels.map(quoted))).",
                        "Follow the template with the lines \(labels.map { quoted(String($0.dropLast(4))) }.joined(separator: ", ")).",
                        "Answer in the form \(quoted(labels.joined(separator: " / "))).")
        case .positiveExample:
            let example = w.first ?? ""
            return pick("Follow this example line: <\(example)>.", "Write lines like this example: <\(example)>.",
                        "Good example to copy: <\(example)>.")
        case .negativeExample:
            let example = w.first ?? ""
            return pick("Do not write like this bad example: <\(example)>.", "Avoid lines like this: <\(example)>.",
                        "Bad example, never do this: <\(example)>.")
        }
    }

    static func numberingExamples(_ style: String) -> (String, String) {
        switch style {
        case "1)": return ("1)", "2)")
        case "(1)": return ("(1)", "(2)")
        case "a)": return ("a)", "b)")
        default: return ("1.", "2.")
        }
    }
}
