import Foundation
import Testing
@testable import Engine

/// A small tokenizer shared by the tests: trained once on the parity corpus.
private let sharedTokenizer: BPETokenizer = {
    let corpus = Array(TokenizerParityCases.trainingCorpus().prefix(1500))
    return try! BPETrainer.train(corpus: corpus, vocabularySize: 800)
}()

@Suite struct TokenizerByteLevelTests {
    @Test func alphabetIsABijectionWithGPT2Spellings() {
        let scalars = ByteLevelAlphabet.scalarForByte
        #expect(Set(scalars).count == 256)
        #expect(scalars[Int(UInt8(ascii: " "))] == "Ġ")
        #expect(scalars[Int(UInt8(ascii: "\n"))] == "Ċ")
        #expect(scalars[Int(UInt8(ascii: "A"))] == "A")
        #expect(scalars[0] == "\u{100}")
        #expect(scalars[0xAD] == "\u{143}")
        for byte in 0..<256 {
            #expect(ByteLevelAlphabet.byte(for: scalars[byte]) == UInt8(byte))
        }
        #expect(ByteLevelAlphabet.byte(for: "中") == nil)
        let bytes: [UInt8] = Array(0...255)
        #expect(ByteLevelAlphabet.decode(ByteLevelAlphabet.encode(bytes)) == bytes)
        #expect(ByteLevelAlphabet.decode("a中") == nil)
    }
}

@Suite struct TokenizerPreTokenizerTests {
    /// Expected pieces come from Hugging Face `tokenizers` running Qwen2's Split regex
    /// (`pre_tokenizers.Split(Regex(pattern), "isolated").pre_tokenize_str`).
    static let cases: [(String, [String])] = [
        ("Hello world", ["Hello", " world"]),
        ("  leading", [" ", " leading"]),
        ("trailing  ", ["trailing", "  "]),
        ("a  \n\n  b", ["a", "  \n\n", " ", " b"]),
        ("x \t\ny", ["x", " \t\n", "y"]),
        ("'LL 'Re", ["'LL", " '", "Re"]),
        ("'\u{17F}up", ["'\u{17F}", "up"]),
        ("I'm don't", ["I", "'m", " don", "'t"]),
        ("123 4567", ["1", "2", "3", " ", "4", "5", "6", "7"]),
        ("!!!\n\nok", ["!!!\n\n", "ok"]),
        (" ?!x", [" ?!", "x"]),
        ("a\u{A0}b", ["a", "\u{A0}b"]),
        ("中文English混合，测试。", ["中文English混合", "，测试", "。"]),
        ("emoji 😀😀 ok", ["emoji", " 😀😀", " ok"]),
        ("\r\n\r\n", ["\r\n\r\n"]),
        ("   ", ["   "]),
        ("a\n", ["a", "\n"]),
        ("tab\there", ["tab", "\there"]),
        ("(x)", ["(x", ")"]),
        ("'", ["'"]),
        ("''s", ["''", "s"]),
        (" 'hello", [" '", "hello"]),
        ("e\u{301}", ["e", "\u{301}"]),
        ("x\u{3000}y", ["x", "\u{3000}y"]),
        ("a \n b", ["a", " \n", " b"]),
        ("end.\n", ["end", ".\n"]),
        ("  \n  x", ["  \n", " ", " x"]),
        ("$100.5", ["$", "1", "0", "0", ".", "5"]),
        ("user\n", ["user", "\n"]),
        ("\u{2028}x", ["\u{2028}x"]),
        ("a\u{200B}b", ["a", "\u{200B}b"]),
        ("", []),
    ]

    @Test(arguments: cases.indices)
    func matchesHuggingFaceSplit(_ index: Int) {
        let (text, expected) = Self.cases[index]
        #expect(Qwen2PreTokenizer.split(text) == expected, "pieces of \(text.debugDescription)")
    }

    @Test func piecesTileTheText() {
        for text in TokenizerParityCases.testStrings(count: 400) {
            #expect(Qwen2PreTokenizer.split(text).joined() == text)
        }
    }

    @Test func whitespaceClassIsUnicodeWhiteSpace() {
        // \s is White_Space; U+200B and U+FEFF are not (they are "other" characters).
        for value: UInt32 in [0x09, 0x0B, 0x0C, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000] {
            #expect(Qwen2PreTokenizer.characterClass(value) & Qwen2PreTokenizer.whitespace != 0, "U+\(String(value, radix: 16))")
        }
        for value: UInt32 in [0x1C, 0x200B, 0xFEFF, 0x180E] {
            #expect(Qwen2PreTokenizer.characterClass(value) & Qwen2PreTokenizer.whitespace == 0, "U+\(String(value, radix: 16))")
        }
        #expect(Qwen2PreTokenizer.characterClass(0x4E2D) == Qwen2PreTokenizer.letter)
        #expect(Qwen2PreTokenizer.characterClass(0x00B2) == Qwen2PreTokenizer.number)
        #expect(Qwen2PreTokenizer.characterClass(0x1F600) == 0)
    }
}

@Suite struct TokenizerTrainingTests {
    @Test func trainingIsDeterministic() throws {
        let corpus = Array(TokenizerParityCases.trainingCorpus().prefix(600))
        let first = try BPETrainer.train(corpus: corpus, vocabularySize: 600)
        let second = try BPETrainer.train(corpus: corpus, vocabularySize: 600)
        #expect(HFTokenizerJSON.encode(first) == HFTokenizerJSON.encode(second))
        #expect(first.vocabularySize == 600)
        #expect(first.merges.count >= 600 - 256 - 3)
        // The special tokens follow the BPE vocabulary in Qwen2's order.
        #expect(first.addedTokens.map(\.content) == BPETokenizer.qwenSpecialTokens)
        #expect(first.addedTokens.map(\.id) == [597, 598, 599])
    }

    @Test func mergesTakeTheMostFrequentPairWithTiesBrokenByIds() throws {
        // Pieces "ab", " ab" ×2, " cd" ×3. Pairs (Ġ,c), (a,b), (c,d) all occur 3 times; (Ġ,c)
        // has the smallest ids (32, 99), then (a,b) (97, 98) ties with the new (Ġc,d) (256, 100);
        // last comes (Ġ,ab), which occurs twice.
        let tokenizer = try BPETrainer.train(corpus: ["ab ab ab cd cd cd"], vocabularySize: 256 + 4 + 3)
        #expect(tokenizer.merges == [BPEMerge("Ġ", "c"), BPEMerge("a", "b"), BPEMerge("Ġc", "d"), BPEMerge("Ġ", "ab")])
        #expect(tokenizer.vocabulary["Ġcd"] == 258)
        #expect(tokenizer.encode(" cd ab") == [258, 259])
    }

    @Test func trainingStopsWhenNoPairRepeats() throws {
        let tokenizer = try BPETrainer.train(corpus: ["abc"], vocabularySize: 5000)
        #expect(tokenizer.merges.isEmpty)
        #expect(tokenizer.vocabularySize == 256 + 3)
    }

    @Test func specialTokensInTheCorpusAreNotLearned() throws {
        let corpus = Array(repeating: "<|im_start|><|im_end|><|im_start|>", count: 50)
        let tokenizer = try BPETrainer.train(corpus: corpus, vocabularySize: 400)
        #expect(tokenizer.merges.isEmpty)
    }

    @Test func tooSmallVocabularyIsRejected() {
        #expect(throws: TokenizerError.vocabularyTooSmall(requested: 100, minimum: 259)) {
            try BPETrainer.train(corpus: ["x"], vocabularySize: 100)
        }
    }
}

@Suite struct TokenizerEncodingTests {
    let tokenizer = sharedTokenizer

    @Test func roundTripsVariedText() {
        for text in TokenizerParityCases.testStrings(count: 600) {
            let ids = tokenizer.encode(text)
            #expect(tokenizer.decode(ids) == TextNormalization.nfc.apply(text), "round trip of \(text.debugDescription)")
        }
    }

    @Test func mergesMatchTheNaiveAlgorithm() {
        // The heap-based merge must equal the textbook loop: merge the lowest-ranked pair
        // (leftmost first) until none applies.
        var ranks: [String: Int] = [:]
        for (rank, merge) in tokenizer.merges.enumerated() where ranks["\(merge.left) \(merge.right)"] == nil {
            ranks["\(merge.left) \(merge.right)"] = rank
        }
        for text in TokenizerParityCases.testStrings(count: 300) {
            for piece in Qwen2PreTokenizer.split(text) {
                var symbols = Array(piece.utf8).map { ByteLevelAlphabet.encode([$0]) }
                while symbols.count > 1 {
                    var best: (rank: Int, index: Int)?
                    for index in 0..<(symbols.count - 1) {
                        if let rank = ranks["\(symbols[index]) \(symbols[index + 1])"], best == nil || rank < best!.rank {
                            best = (rank, index)
                        }
                    }
                    guard let best else { break }
                    symbols.replaceSubrange(best.index...(best.index + 1), with: [symbols[best.index] + symbols[best.index + 1]])
                }
                let expected = symbols.map { Int32(tokenizer.vocabulary[$0]!) }
                #expect(tokenizer.mergePiece(Array(piece.utf8)) == expected, "piece \(piece.debugDescription)")
            }
        }
    }

    @Test func specialTokensAreMatchedBeforePreTokenization() throws {
        let start = try #require(tokenizer.id(of: "<|im_start|>"))
        let end = try #require(tokenizer.id(of: "<|im_end|>"))
        let ids = tokenizer.encode("<|im_start|>user\nhi<|im_end|>\n")
        #expect(ids.first == start)
        #expect(ids.filter { $0 == end }.count == 1)
        #expect(ids == [start] + tokenizer.encode("user\nhi") + [end] + tokenizer.encode("\n"))
        // Partial or differently cased specials are ordinary text.
        for text in ["<|im_", "<|IM_END|>", "im_end|>", "<||>"] {
            #expect(!tokenizer.encode(text).contains { tokenizer.isSpecial($0) }, "\(text) must not produce a special token")
        }
        // Adjacent specials, and a special glued to text on both sides.
        #expect(tokenizer.encode("<|im_end|><|im_end|>") == [end, end])
        #expect(tokenizer.encode("a<|endoftext|>b") == tokenizer.encode("a") + [tokenizer.id(of: "<|endoftext|>")!] + tokenizer.encode("b"))
        #expect(tokenizer.decode(ids, skipSpecialTokens: true) == "user\nhi\n")
    }

    @Test func normalisesToNFC() {
        #expect(tokenizer.encode("e\u{301}") == tokenizer.encode("\u{E9}"))
        #expect(tokenizer.encode("\u{AC00}\u{11A8}") == tokenizer.encode("\u{AC01}"))
        #expect(tokenizer.encode("\u{212B}") == tokenizer.encode("\u{C5}"))
    }

    @Test func decodeNeverFailsOnArbitraryIds() {
        #expect(tokenizer.decode([-1, -100, tokenizer.vocabularySize, Int.max, Int.min]) == "")
        // Bytes 0xE4 0xBD are the first two bytes of a three-byte character: one U+FFFD.
        #expect(tokenizer.decode([0xE4, 0xBD]) == "\u{FFFD}")
        #expect(tokenizer.decode([0xE4, 0xBD, 0xA0]) == "你")
        #expect(tokenizer.decode([0xFF, 65]) == "\u{FFFD}A")
        var state: UInt64 = 42
        for _ in 0..<200 {
            let ids = (0..<8).map { _ -> Int in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Int(state >> 33) % (tokenizer.vocabularySize + 10) - 5
            }
            _ = tokenizer.decode(ids)
        }
    }

    /// The word cache changes nothing: a second and third pass over 1,000 strings (served from
    /// the cache) give the first pass's ids. (Encoding speed is measured by the benchmarks, not
    /// asserted here.)
    @Test func encodeGivesTheSameIdsFromTheCache() {
        let texts = TokenizerParityCases.testStrings(count: 1000)
        let first = texts.map { tokenizer.encode($0) }
        #expect(first.contains { !$0.isEmpty })
        for _ in 0..<2 { #expect(texts.map { tokenizer.encode($0) } == first) }
    }
}

/// GPT-2's and Llama 3's regexes, on cases worked out by hand from the patterns (the parity
/// script checks them against `tokenizers` on thousands of strings).
@Suite struct OtherPreTokenizerTests {
    @Test func gpt2SplitsAsByteLevelsRegex() {
        let gpt2 = PreTokenizer.gpt2(isolatingDigits: false)
        #expect(gpt2.split("Hello world") == ["Hello", " world"])
        #expect(gpt2.split("I'm here  now") == ["I", "'m", " here", " ", " now"])
        #expect(gpt2.split("abc 123") == ["abc", " 123"])
        #expect(gpt2.split("hello!!! ok") == ["hello", "!!!", " ok"])
        #expect(gpt2.split("a\n\nb") == ["a", "\n", "\n", "b"])
        #expect(gpt2.split("'S it's") == ["'", "S", " it", "'s"])
        #expect(gpt2.split("end  ") == ["end", "  "])
        #expect(gpt2.split(" ") == [" "])
    }

    @Test func smollmIsolatesEveryDigitFirst() {
        let smollm = PreTokenizer.gpt2(isolatingDigits: true)
        #expect(smollm.split("abc 123") == ["abc", " ", "1", "2", "3"])
        #expect(smollm.split("x²=4") == ["x", "²", "=", "4"])
    }

    @Test func llama3TakesNumbersThreeAtATime() {
        #expect(PreTokenizer.llama3.split("12345 ab") == ["123", "45", " ab"])
        #expect(PreTokenizer.qwen2.split("12345") == ["1", "2", "3", "4", "5"])
    }
}

@Suite struct TokenizerValidationTests {
    /// As `tokenizers` does for BPE without `unk_token` or byte fallback: a byte the vocabulary
    /// lacks is dropped before merging, so its neighbours merge across it.
    @Test func bytesTheVocabularyLacksAreDroppedBeforeMerging() throws {
        var vocabulary: [String: Int] = [:]
        for byte in 0..<256 where byte != 4 { vocabulary[ByteLevelAlphabet.encode([UInt8(byte)])] = byte }
        vocabulary["!?"] = 256
        let tokenizer = try BPETokenizer(vocabulary: vocabulary, merges: [BPEMerge("!", "?")], addedTokens: [], preTokenizer: .gpt2(isolatingDigits: false))
        // "!\u{4}?" is one piece ("other" characters); without its middle byte it merges.
        #expect(tokenizer.encode("!\u{4}?") == [256])
        #expect(tokenizer.encode("\u{4}") == [])
        #expect(tokenizer.encode("x\u{4}") == [Int(UInt8(ascii: "x"))])
    }

    @Test func mergesMustReferToTheVocabulary() {
        var vocabulary: [String: Int] = [:]
        for byte in 0..<256 { vocabulary[ByteLevelAlphabet.encode([UInt8(byte)])] = byte }
        #expect(throws: TokenizerError.missingMergeResult(rank: 0, merge: "a b", result: "ab")) {
            try BPETokenizer(vocabulary: vocabulary, merges: [BPEMerge("a", "b")], addedTokens: [])
        }
        #expect(throws: TokenizerError.unknownMergePart(rank: 0, merge: "a xy", part: "xy")) {
            try BPETokenizer(vocabulary: vocabulary, merges: [BPEMerge("a", "xy")], addedTokens: [])
        }
        #expect(throws: TokenizerError.invalidAddedToken(content: "<s>", id: 5, detail: "id already used by \"\u{5}\"".replacingOccurrences(of: "\u{5}", with: ByteLevelAlphabet.encode([5])))) {
            try BPETokenizer(vocabulary: vocabulary, merges: [], addedTokens: [AddedToken(id: 5, content: "<s>")])
        }
        #expect(throws: TokenizerError.self) {
            try BPETokenizer(vocabulary: vocabulary, merges: [], addedTokens: [AddedToken(id: 1 << 30, content: "<s>")])
        }
    }
}

@Suite struct TokenizerChatTemplateTests {
    func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        try ChatTemplateRenderer.render(ChatTemplate.qwen2, messages: messages, addGenerationPrompt: addGenerationPrompt, bosToken: nil, eosToken: nil)
    }

    @Test func rendersQwen2ChatML() throws {
        let user = ChatMessage(role: "user", content: "Hi")
        #expect(try render([user], addGenerationPrompt: true)
            == "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(try render([ChatMessage(role: "system", content: "S"), user, ChatMessage(role: "assistant", content: "A")],
                           addGenerationPrompt: false)
            == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n")
        #expect(try render([], addGenerationPrompt: true) == "<|im_start|>assistant\n")
    }

    @Test func jinjaTemplateIsQwen2Instruct() {
        // The template string is what transformers runs; the parity script checks rendering.
        #expect(ChatTemplate.qwen2.hasPrefix("{% for message in messages %}"))
        #expect(ChatTemplate.qwen2.contains("You are a helpful assistant."))
        #expect(ChatTemplate.qwen2.contains("{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"))
    }
}
