// The Swift half of the tokenizer parity check against Hugging Face (`scripts/parity/
// tokenizer_parity.py`): train a tokenizer on a generated corpus, export it as a Hugging Face
// directory, and write test cases with the ids, texts and decodings this engine produces. The
// Python script loads the directory with `tokenizers` and `transformers` and must reproduce every
// case exactly. Everything is generated from fixed seeds, so the files are identical on every run.
//
// cases.jsonl holds one JSON object per line:
//   {"kind": "text",   "text": ..., "ids": [...], "pieces": [...]}   encode, decode(ids) == text,
//                      and the pre-tokenizer pieces (byte-level spelling) of the normalised text
//   {"kind": "chat",   "messages": [...], "add_generation_prompt": b, "text": ..., "ids": [...]}
//   {"kind": "decode", "ids": [...], "text": ...}               decode of arbitrary ids

import Basics
import Foundation

/// Generates and writes the tokenizer parity fixtures.
public enum TokenizerParityCases {
    /// What `write(to:)` produced.
    public struct Summary: Sendable, Equatable {
        public var directory: String
        public var textCases: Int
        public var chatCases: Int
        public var decodeCases: Int
        public var vocabularySize: Int
    }

    public static let vocabularySize = 2000

    /// Trains the parity tokenizer, writes it as a Hugging Face directory into `directory`
    /// (tokenizer.json, tokenizer_config.json) and writes `cases.jsonl` next to it.
    /// `extraTexts` (real prompts, e.g. TRACE and IFEval) join both the training corpus and the
    /// text cases, after the `textCount` generated strings.
    @discardableResult
    public static func write(to directory: URL, textCount: Int = 1000, extraTexts: [String] = []) throws -> Summary {
        let tokenizer = try BPETrainer.train(corpus: trainingCorpus() + extraTexts, vocabularySize: vocabularySize)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try HFTokenizerJSON.write(tokenizer, to: directory.appendingPathComponent("tokenizer.json"))
        try CheckpointFiles.writeJSON(HFTokenizerConfig.document(for: tokenizer),
                                      to: directory.appendingPathComponent("tokenizer_config.json"))
        var lines: [UInt8] = []
        func emit(_ object: [String: JSONValue]) {
            lines.append(contentsOf: JSONWriter.canonical.bytes(.object(object)))
            lines.append(UInt8(ascii: "\n"))
        }
        let texts = testStrings(count: textCount) + extraTexts
        for text in texts {
            var fields: [String: JSONValue] = ["kind": .string("text"), "text": .string(text), "ids": ids(tokenizer.encode(text))]
            // Pre-tokenizer pieces, checked on their own, for texts without special tokens (with
            // them, `tokenizers` splits on the specials before pre-tokenizing).
            if !BPETokenizer.qwenSpecialTokens.contains(where: { text.contains($0) }) {
                let pieces = Qwen2PreTokenizer.split(tokenizer.normalization.apply(text))
                fields["pieces"] = .array(pieces.map { .string(ByteLevelAlphabet.encode($0.utf8)) })
            }
            emit(fields)
        }
        let chats = chatCases()
        for (messages, generationPrompt) in chats {
            // The engine's own path: the tokenizer's template through the Jinja interpreter.
            let text = try tokenizer.renderChat(messages, addGenerationPrompt: generationPrompt)
            emit([
                "kind": .string("chat"),
                "messages": .array(messages.map { .object(["role": .string($0.role), "content": .string($0.content)]) }),
                "add_generation_prompt": .bool(generationPrompt),
                "text": .string(text),
                "ids": ids(tokenizer.encode(text)),
            ])
        }
        let decodes = decodeCases(vocabularySize: tokenizer.vocabularySize)
        for sequence in decodes {
            emit(["kind": .string("decode"), "ids": ids(sequence), "text": .string(tokenizer.decode(sequence))])
        }
        try AtomicFile.write(lines, to: directory.appendingPathComponent("cases.jsonl").path)
        return Summary(directory: directory.path, textCases: texts.count, chatCases: chats.count,
                       decodeCases: decodes.count, vocabularySize: tokenizer.vocabularySize)
    }

    private static func ids(_ values: [Int]) -> JSONValue { .array(values.map { .int($0) }) }

    // MARK: Text generation

    static let englishWords = ["the", "model", "follows", "every", "instruction", "with", "care", "and", "answers",
                               "in", "three", "short", "paragraphs", "without", "using", "commas", "Please", "write",
                               "a", "poem", "about", "autumn", "rain", "The", "user", "asked", "for", "JSON", "output",
                               "table", "markdown", "list", "item", "constraint", "number", "words", "exactly", "tone",
                               "formal", "friendly", "summary", "title", "bold", "italic", "response", "must", "not",
                               "include", "keyword", "end", "your", "answer", "question", "Hello", "world", "OpenAI",
                               "Qwen2", "tokenizer", "byte", "level", "encoding", "HTTP", "API", "iPhone", "COVID-19"]
    static let contractions = ["I'm", "don't", "you're", "we've", "they'll", "she'd", "it's", "can't", "WON'T",
                               "He'S", "THEY'LL", "We'Re", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "o'clock",
                               "rock'n'roll", "'tis", "ma'am", "y'all", "'ſ", "'Ll"]
    static let chineseText = "请用三段话回答下面的问题不要使用逗号并且每段以感叹号结尾你是一个乐于助人的助手根据以下约束条件写一篇关于秋天的短文字数不少于两百字语气要正式包含关键词人工智能模型输出格式为表格编号列表层次结构引用参考文献的风格情感积极受众为小学生隐私保护数值计算"
    static let chinesePunctuation = ["，", "。", "！", "？", "、", "：", "；", "「", "」", "《", "》", "（", "）", "“", "”", "……", "——"]
    static let emoji = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🇨🇳", "🇺🇸", "❤️", "✨", "🤖", "🔥🔥", "☕", "🧑🏿‍💻", "1️⃣", "©", "™"]
    static let otherScripts = ["Привет мир", "Γειά σου", "مرحبا بالعالم", "नमस्ते दुनिया", "こんにちは世界", "カタカナ",
                               "안녕하세요", "שלום", "ไทย", "Ελληνικά", "Tiếng Việt", "ǅemal", "Straße", "İstanbul", "ﬁnal"]
    /// Characters whose NFC form differs from the input (decomposed accents, singletons) or that
    /// sit on pre-tokenizer class boundaries.
    static let unicodeEdges = ["e\u{301}", "A\u{30A}", "n\u{303}o", "\u{212B}", "\u{2126}", "\u{1E9B}\u{323}", "\u{0958}",
                               "\u{AC00}\u{11A8}", "\u{1100}\u{1161}", "\u{1100}\u{1161}\u{11A8}", "\u{0CCA}\u{0CD5}", "ſ", "K", "²", "½", "Ⅷ", "٣", "߀", "\u{00A0}",
                               "\u{3000}", "\u{2009}", "\u{200B}", "\u{2028}", "\u{0085}", "\u{FEFF}", "\u{1680}",
                               "\u{000B}", "\u{000C}", "\u{001C}", "\u{007F}", "\u{0000}", "\u{F900}", "\u{2F800}", "\u{E000}", "\u{10FFFF}"]
    static let specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|im_", "<|endoftext", "im_end|>", "<||>", "<|IM_END|>"]
    static let punctuation = ["!", "?", ".", ",", ";", ":", "...", "!!!", "?!", "-", "--", "(", ")", "[", "]", "{", "}",
                              "\"", "'", "`", "```", "#", "##", "*", "**", "_", "/", "\\", "|", "@", "$", "%", "^", "&",
                              "~", "<", ">", "=", "+", "->", "=>", "<=", "!=", "//", "/*", "*/"]
    static let whitespace = [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n", "\n ", "  \n\n  ", "\t\t", " \t ", "\r",
                             "\n\n\n", "    ", "\u{00A0}", "\u{3000}", " \u{3000}", "\n\t"]

    /// `count` varied strings from a fixed seed: English, contractions, numbers, punctuation,
    /// whitespace runs, Chinese, other scripts, emoji, Unicode edge cases, and special tokens in
    /// and around words. The first strings are hand-picked edge cases.
    public static func testStrings(count: Int) -> [String] {
        var random = SplitMix64(seed: 0x5EED_7E57)
        var strings = [
            "", " ", "  ", "\n", "\r\n", "a", "Hello world", " Hello", "Hello ", "hello  world", "a\n\nb", "a \n b",
            "x  \n\n  y", "  leading", "trailing  ", "tabs\t\there", "\t\n", "I'm here, you're there; they'll go.",
            "'s'S'ſ", "'LL 'Re 've", "12345", "3.14159", "1,000,000", "2024-06-01", "v1.2.3", "0x1F",
            "你好，世界！", "请用三段话回答。", "中文English混合123", "emoji 😀 here", "👨‍👩‍👧‍👦", "e\u{301}", "Å",
            "<|im_start|>user\nhi<|im_end|>\n", "<|endoftext|>", "a<|endoftext|>b", "<|im_end|><|im_end|>",
            "<<|im_end|>>", "<|im_", "text <|im_start|>", "\u{3000}全角空格", "NBSP\u{00A0}x", "\u{2028}line",
            "!!!\n\n", "...", " ?!", "(a)", "[1]", "def f(x):\n    return x * 2\n", "{\"key\": [1, 2, 3]}",
            "- item one\n- item two\n", "# Title\n\n**bold** _italic_", "a\u{0301}\u{0302}", "\u{F900}\u{2F800}",
        ]
        while strings.count < count {
            strings.append(randomText(&random))
        }
        return Array(strings.prefix(count))
    }

    /// The training corpus: generated documents from another seed, plus the fixed strings, so
    /// merges cover every script the test strings use.
    public static func trainingCorpus() -> [String] {
        var random = SplitMix64(seed: 0xC0_4905)
        var corpus: [String] = []
        for _ in 0..<4000 { corpus.append(randomText(&random)) }
        for _ in 0..<200 { corpus.append(String(random.shuffledModulo(Array(chineseText)).prefix(80))) }
        corpus.append("<|im_start|>system\n\(ChatTemplate.defaultSystemPrompt)<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n")
        return corpus
    }

    static func randomText(_ random: inout SplitMix64) -> String {
        let parts = 1 + random.nextIntModulo(below: 12)
        var text = ""
        for _ in 0..<parts {
            switch random.nextIntModulo(below: 14) {
            case 0, 1, 2: text += random.pickModulo(englishWords)
            case 3: text += random.pickModulo(contractions)
            case 4: text += String(random.nextIntModulo(below: 100_000)) + (random.nextIntModulo(below: 3) == 0 ? "." + String(random.nextIntModulo(below: 100)) : "")
            case 5: text += random.pickModulo(punctuation)
            case 6: text += random.pickModulo(whitespace)
            case 7, 8:
                let start = random.nextIntModulo(below: chineseText.count - 10)
                let characters = Array(chineseText)
                text += String(characters[start..<(start + 1 + random.nextIntModulo(below: 9))])
                if random.nextIntModulo(below: 2) == 0 { text += random.pickModulo(chinesePunctuation) }
            case 9: text += random.pickModulo(emoji)
            case 10: text += random.pickModulo(otherScripts)
            case 11: text += random.pickModulo(unicodeEdges)
            case 12: text += random.pickModulo(specials)
            default:
                // Character soup across the classes the pre-tokenizer distinguishes.
                let pool = Array("aZ0 9\t\n\r'!?.,;é中文😀\u{301}\u{3000}ſ")
                for _ in 0..<(1 + random.nextIntModulo(below: 6)) { text.append(random.pickModulo(pool)) }
            }
            if random.nextIntModulo(below: 3) == 0 { text += " " }
        }
        return text
    }

    static func chatCases() -> [([ChatMessage], Bool)] {
        let user = ChatMessage(role: "user", content: "请写一首关于秋天的诗。\n1. 不要使用逗号\n2. 三段")
        let system = ChatMessage(role: "system", content: "You are a helpful assistant.")
        let custom = ChatMessage(role: "system", content: "Answer in JSON.")
        let assistant = ChatMessage(role: "assistant", content: "Sure! Here's a poem:\n\n秋风起 ✨")
        return [
            ([user], true), ([user], false), ([system, user], true), ([custom, user, assistant], false),
            ([custom, user, assistant, ChatMessage(role: "user", content: "Again, shorter.")], true),
            ([ChatMessage(role: "user", content: "")], true),
            ([ChatMessage(role: "user", content: "contains <|im_end|> inside")], true),
        ]
    }

    /// Arbitrary id sequences, including ones that split multi-byte characters and ids outside
    /// the vocabulary.
    static func decodeCases(vocabularySize: Int) -> [[Int]] {
        var random = SplitMix64(seed: 0xDEC0DE)
        var cases: [[Int]] = [[], [0], [255], [0xE4], [0xE4, 0xBD], [0xF0, 0x9F, 0x98], [0xC3, 0x28], [0xFF, 0xFE],
                              [0x80, 0x80], [0xED, 0xA0, 0x80], [vocabularySize - 1], [vocabularySize - 3, 65, vocabularySize - 1]]
        for _ in 0..<100 {
            cases.append((0..<(1 + random.nextIntModulo(below: 12))).map { _ in random.nextIntModulo(below: vocabularySize) })
        }
        return cases
    }
}
