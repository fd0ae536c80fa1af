import Basics
import Foundation
import Testing
@testable import Engine

@Suite struct TokenizerJSONTests {
    static let tokenizer: BPETokenizer = {
        try! BPETrainer.train(corpus: Array(TokenizerParityCases.trainingCorpus().prefix(400)), vocabularySize: 500)
    }()

    @Test func writesQwen2Structure() throws {
        let document = try JSONParser.parse(bytes: HFTokenizerJSON.encode(Self.tokenizer), options: .interchange)
        #expect(document["model"]?["type"]?.stringValue == "BPE")
        #expect(document["normalizer"]?["type"]?.stringValue == "NFC")
        let split = document["pre_tokenizer"]?["pretokenizers"]?.arrayValue?.first
        #expect(split?["pattern"]?["Regex"]?.stringValue == Qwen2PreTokenizer.pattern)
        #expect(split?["behavior"]?.stringValue == "Isolated")
        #expect(document["decoder"]?["type"]?.stringValue == "ByteLevel")
        let added = try #require(document["added_tokens"]?.arrayValue)
        #expect(added.map { $0["content"]?.stringValue } == BPETokenizer.qwenSpecialTokens)
        #expect(added.allSatisfy { $0["special"]?.boolValue == true && $0["normalized"]?.boolValue == false })
        let merges = try #require(document["model"]?["merges"]?.arrayValue)
        #expect(merges.count == Self.tokenizer.merges.count)
        #expect(merges.first?.stringValue == "\(Self.tokenizer.merges[0].left) \(Self.tokenizer.merges[0].right)")
    }

    @Test func roundTripsByteIdentically() throws {
        let bytes = HFTokenizerJSON.encode(Self.tokenizer)
        let read = try HFTokenizerJSON.decode(bytes)
        #expect(HFTokenizerJSON.encode(read) == bytes)
        for text in TokenizerParityCases.testStrings(count: 200) {
            #expect(read.encode(text) == Self.tokenizer.encode(text))
        }
    }

    /// A file laid out as Qwen2's own: merges as [left, right] pairs (tokenizers ≥ 0.20),
    /// special tokens also listed in the model vocabulary, extra keys, no normalizer sequence.
    @Test func readsQwen2StyleFilesWithPairMerges() throws {
        guard var root = HFTokenizerJSON.document(for: Self.tokenizer).objectValue,
              var model = root["model"]?.objectValue else { Issue.record("not an object"); return }
        model["merges"] = .array(Self.tokenizer.merges.map { .array([.string($0.left), .string($0.right)]) })
        model["ignore_merges"] = .bool(false)
        var vocab = try #require(model["vocab"]?.objectValue)
        for token in Self.tokenizer.addedTokens { vocab[token.content] = .int(token.id) }
        model["vocab"] = .object(vocab)
        root["model"] = .object(model)
        root["normalizer"] = .object(["type": .string("Sequence"), "normalizers": .array([.object(["type": .string("NFC")])])])
        let read = try HFTokenizerJSON.decode(JSONWriter.canonical.bytes(.object(root)))
        #expect(read.merges == Self.tokenizer.merges)
        for text in TokenizerParityCases.testStrings(count: 200) {
            #expect(read.encode(text) == Self.tokenizer.encode(text))
        }
    }

    /// Each pre-tokenizer of the family is written as its models write it and read back as itself.
    @Test(arguments: [PreTokenizer.qwen2, .llama3, .gpt2(isolatingDigits: false), .gpt2(isolatingDigits: true)])
    func everyPreTokenizerRoundTrips(_ kind: PreTokenizer) throws {
        let tokenizer = try BPETokenizer(vocabulary: Self.tokenizer.vocabulary, merges: Self.tokenizer.merges, addedTokens: Self.tokenizer.addedTokens,
                                         normalization: .none, preTokenizer: kind)
        let read = try HFTokenizerJSON.decode(HFTokenizerJSON.encode(tokenizer))
        #expect(read.preTokenizer == kind)
    }

    @Test func refusesPipelinesThatTokenizeDifferently() throws {
        func modified(_ change: (inout [String: JSONValue]) -> Void) throws -> [UInt8] {
            guard var root = HFTokenizerJSON.document(for: Self.tokenizer).objectValue else { return [] }
            change(&root)
            return JSONWriter.canonical.bytes(.object(root))
        }
        let prefixSpace = try modified { $0["pre_tokenizer"] = .object(["type": .string("ByteLevel"), "add_prefix_space": .bool(true), "use_regex": .bool(true)]) }
        #expect(throws: TokenizerError.unsupported(file: "tokenizer.json", field: "pre_tokenizer.add_prefix_space", detail: "true")) {
            try HFTokenizerJSON.decode(prefixSpace)
        }
        let otherRegex = try modified { root in
            root["pre_tokenizer"] = .object(["type": .string("Sequence"), "pretokenizers": .array([
                .object(["type": .string("Split"), "pattern": .object(["Regex": .string("\\s+")]), "behavior": .string("Isolated"), "invert": .bool(false)]),
                .object(["type": .string("ByteLevel"), "add_prefix_space": .bool(false), "use_regex": .bool(false)]),
            ])])
        }
        #expect(throws: TokenizerError.unsupported(file: "tokenizer.json", field: "pre_tokenizer.pretokenizers[0].pattern",
                                                   detail: "regex \\s+; supported: Qwen2's and Llama 3's")) {
            try HFTokenizerJSON.decode(otherRegex)
        }
        let bosTemplate = try modified { root in
            root["post_processor"] = .object(["type": .string("TemplateProcessing"),
                                              "single": .array([.object(["SpecialToken": .object(["id": .string("<s>")])]), .object(["Sequence": .object(["id": .string("A")])])])])
        }
        #expect(throws: TokenizerError.self) { try HFTokenizerJSON.decode(bosTemplate) }
        let nfkc = try modified { $0["normalizer"] = .object(["type": .string("NFKC")]) }
        #expect(throws: TokenizerError.unsupported(file: "tokenizer.json", field: "normalizer.type", detail: "\"NFKC\"; only NFC or none")) {
            try HFTokenizerJSON.decode(nfkc)
        }
        let wordPiece = try modified { root in
            if var model = root["model"]?.objectValue { model["type"] = .string("WordPiece"); root["model"] = .object(model) }
        }
        #expect(throws: TokenizerError.unsupported(file: "tokenizer.json", field: "model.type", detail: "\"WordPiece\"; only BPE")) {
            try HFTokenizerJSON.decode(wordPiece)
        }
        let badMerge = try modified { root in
            if var model = root["model"]?.objectValue { model["merges"] = .array([.string("a b c")]); root["model"] = .object(model) }
        }
        #expect(throws: TokenizerError.invalidField(file: "tokenizer.json", field: "model.merges[0]", detail: "\"a b c\" is not two tokens separated by one space")) {
            try HFTokenizerJSON.decode(badMerge)
        }
        #expect(throws: TokenizerError.self) { try HFTokenizerJSON.decode(Array("{\"model\": ".utf8)) }
    }

    @Test func noNormalizerMeansNoNormalisation() throws {
        let raw = try BPETrainer.train(corpus: ["e\u{301} e\u{301}"], vocabularySize: 300, normalization: .none)
        let read = try HFTokenizerJSON.decode(HFTokenizerJSON.encode(raw))
        #expect(read.normalization == .none)
        #expect(read.encode("e\u{301}") != read.encode("\u{E9}"))
    }

    @Test func tokenizerConfigCarriesRolesAndTemplate() throws {
        let document = HFTokenizerConfig.document(for: Self.tokenizer)
        #expect(document["tokenizer_class"]?.stringValue == "Qwen2Tokenizer")
        #expect(document["eos_token"]?.stringValue == "<|im_end|>")
        #expect(document["pad_token"]?.stringValue == "<|endoftext|>")
        #expect(document["chat_template"]?.stringValue == ChatTemplate.qwen2)
        #expect(document["added_tokens_decoder"]?["497"]?["content"]?.stringValue == "<|endoftext|>")
        let settings = try HFTokenizerConfig.settings(from: JSONWriter.canonicalIndented.bytes(document))
        #expect(settings == HFTokenizerConfig.Settings(chatTemplate: ChatTemplate.qwen2, modelMaxLength: 32768,
                                                       eosToken: "<|im_end|>", padToken: "<|endoftext|>"))
    }
}
