// The Hugging Face `tokenizers` serialisation (tokenizer.json) of a byte-level BPE tokenizer
// (the pre-tokenizers of PreTokenizer.swift), written so `tokenizers.Tokenizer.from_file` and `transformers.AutoTokenizer`
// load it and produce the same ids as `BPETokenizer.encode`, and read back from our own files or
// from a real Qwen2 tokenizer.json.
//
// Layout written (keys sorted, two-space indent, as everything the engine exports):
//   added_tokens   [{id, content, special, lstrip/rstrip/single_word/normalized: false}]
//   normalizer     {"type": "NFC"} (or null for a tokenizer trained without normalisation)
//   pre_tokenizer  as the model's family writes it (PreTokenizer.swift); Qwen2's is
//                  Sequence[Split(Qwen2 regex, Isolated), ByteLevel(use_regex: false)]
//   post_processor / decoder  ByteLevel
//   model          BPE with vocab and merges
// Merges are written as "left right" strings, the format every `tokenizers` version reads
// (byte-level tokens never contain a space: U+0020 is spelled "Ġ"). Both that and the newer
// [left, right] pairs are accepted when reading.

import Basics
import Foundation

/// Reads and writes tokenizer.json.
public enum HFTokenizerJSON {
    // MARK: Writing

    /// The tokenizer.json document for `tokenizer`.
    public static func document(for tokenizer: BPETokenizer) -> JSONValue {
        let byteLevel: JSONValue = .object([
            "type": .string("ByteLevel"), "add_prefix_space": .bool(false),
            "trim_offsets": .bool(false), "use_regex": .bool(false),
        ])
        let added: [JSONValue] = tokenizer.addedTokens.map { token in
            .object([
                "id": .int(token.id), "content": .string(token.content), "single_word": .bool(false),
                "lstrip": .bool(false), "rstrip": .bool(false), "normalized": .bool(false),
                "special": .bool(token.special),
            ])
        }
        let model: JSONValue = .object([
            "type": .string("BPE"),
            "dropout": .null,
            "unk_token": .null,
            "continuing_subword_prefix": .string(""),
            "end_of_word_suffix": .string(""),
            "fuse_unk": .bool(false),
            "byte_fallback": .bool(false),
            "vocab": .object(modelVocabulary(tokenizer).mapValues { .int($0) }),
            "merges": .array(tokenizer.merges.map { .string("\($0.left) \($0.right)") }),
        ])
        return .object([
            "version": .string("1.0"),
            "truncation": .null,
            "padding": .null,
            "added_tokens": .array(added),
            "normalizer": tokenizer.normalization == .nfc ? .object(["type": .string("NFC")]) : .null,
            "pre_tokenizer": preTokenizerDocument(tokenizer.preTokenizer),
            "post_processor": byteLevel,
            "decoder": byteLevel,
            "model": model,
        ])
    }

    /// The BPE vocabulary as written: the tokenizer's, plus every added token whose id lies inside
    /// it (an imported model's `<|im_start|>` at id 1). `tokenizers` gives an added token that the
    /// model's vocabulary lacks a fresh id after the vocabulary, whatever id the file states; added
    /// tokens after the vocabulary (the engine's own) are written as added tokens only.
    static func modelVocabulary(_ tokenizer: BPETokenizer) -> [String: Int] {
        let largest = tokenizer.vocabulary.values.max() ?? -1
        var vocabulary = tokenizer.vocabulary
        for token in tokenizer.addedTokens where token.id < largest { vocabulary[token.content] = token.id }
        return vocabulary
    }

    /// The canonical bytes of tokenizer.json.
    public static func encode(_ tokenizer: BPETokenizer) -> [UInt8] {
        JSONWriter.canonicalIndented.bytes(document(for: tokenizer))
    }

    /// Writes tokenizer.json atomically.
    public static func write(_ tokenizer: BPETokenizer, to url: URL) throws(TokenizerError) {
        do throws(FileSystemError) { try AtomicFile.write(encode(tokenizer), to: url.path) } catch {
            throw .io(file: url.path, detail: error.detail)
        }
    }

    // MARK: Reading

    /// Reads a tokenizer.json file.
    public static func read(from url: URL) throws(TokenizerError) -> BPETokenizer {
        let bytes: [UInt8]
        do throws(FileSystemError) { bytes = try MappedFile.contents(of: url.path) } catch { throw .io(file: url.path, detail: error.detail) }
        return try decode(bytes, file: url.path)
    }

    /// Parses tokenizer.json text. Accepts what `document(for:)` writes and the byte-level BPE
    /// files of real Qwen2, Llama 3 and SmolLM models; refuses, with the field named, anything
    /// that would tokenize differently (another model type, pre-tokenizer, normaliser, BPE
    /// options, or a post-processor that adds tokens).
    public static func decode(_ bytes: [UInt8], file: String = "tokenizer.json") throws(TokenizerError) -> BPETokenizer {
        let root: JSONValue
        do throws(JSONSyntaxError) { root = try JSONParser.parse(bytes: bytes, options: .interchange) } catch { throw .invalidJSON(file: file, detail: error.description) }
        guard case .object = root else { throw .invalidField(file: file, field: "$", detail: "expected an object") }

        guard let model = root["model"], case .object = model else {
            throw .invalidField(file: file, field: "model", detail: "missing or not an object")
        }
        if let type = model["type"], type.stringValue != "BPE" {
            throw .unsupported(file: file, field: "model.type", detail: "\(describe(type)); only BPE")
        }
        try expect(model["dropout"], in: [.null], file: file, field: "model.dropout")
        try expect(model["byte_fallback"], in: [.bool(false)], file: file, field: "model.byte_fallback")
        try expect(model["ignore_merges"], in: [.bool(false)], file: file, field: "model.ignore_merges")
        try expect(model["continuing_subword_prefix"], in: [.null, .string("")], file: file, field: "model.continuing_subword_prefix")
        try expect(model["end_of_word_suffix"], in: [.null, .string("")], file: file, field: "model.end_of_word_suffix")

        guard let vocabMembers = model["vocab"]?.objectMembers else {
            throw .invalidField(file: file, field: "model.vocab", detail: "missing or not an object")
        }
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(vocabMembers.count)
        for member in vocabMembers {
            guard let id = member.value.intValue else {
                throw .invalidField(file: file, field: "model.vocab[\"\(member.key)\"]", detail: "id is not an integer")
            }
            vocabulary[member.key] = id
        }

        guard let mergeValues = model["merges"]?.arrayValue else {
            throw .invalidField(file: file, field: "model.merges", detail: "missing or not an array")
        }
        var merges: [BPEMerge] = []
        merges.reserveCapacity(mergeValues.count)
        for (rank, value) in mergeValues.enumerated() {
            switch value {
            case .string(let line):
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw .invalidField(file: file, field: "model.merges[\(rank)]", detail: "\"\(line)\" is not two tokens separated by one space")
                }
                merges.append(BPEMerge(String(parts[0]), String(parts[1])))
            case .array(let pair):
                guard pair.count == 2, let left = pair[0].stringValue, let right = pair[1].stringValue else {
                    throw .invalidField(file: file, field: "model.merges[\(rank)]", detail: "expected a pair of strings")
                }
                merges.append(BPEMerge(left, right))
            default:
                throw .invalidField(file: file, field: "model.merges[\(rank)]", detail: "expected a string or a pair")
            }
        }

        let normalization = try parseNormalizer(root["normalizer"], file: file)
        let preTokenizer = try parsePreTokenizer(root["pre_tokenizer"], file: file)
        if let decoder = root["decoder"], !decoder.isNull, decoder["type"]?.stringValue != "ByteLevel" {
            throw .unsupported(file: file, field: "decoder.type", detail: "\(describe(decoder["type"] ?? .null)); only ByteLevel")
        }
        try checkPostProcessor(root["post_processor"], file: file)

        var added: [AddedToken] = []
        if let addedValue = root["added_tokens"], !addedValue.isNull {
            guard let items = addedValue.arrayValue else {
                throw .invalidField(file: file, field: "added_tokens", detail: "not an array")
            }
            for (index, item) in items.enumerated() {
                let field = "added_tokens[\(index)]"
                guard let id = item["id"]?.wholeNumberValue, let content = item["content"]?.stringValue else {
                    throw .invalidField(file: file, field: field, detail: "needs an integer \"id\" and a string \"content\"")
                }
                for flag in ["lstrip", "rstrip", "single_word"] where item[flag]?.boolValue == true {
                    throw .unsupported(file: file, field: "\(field).\(flag)", detail: "true (added tokens are matched verbatim)")
                }
                added.append(AddedToken(id: id, content: content, special: item["special"]?.boolValue ?? false))
            }
        }
        return try BPETokenizer(vocabulary: vocabulary, merges: merges, addedTokens: added, normalization: normalization, preTokenizer: preTokenizer)
    }

    private static func parseNormalizer(_ value: JSONValue?, file: String) throws(TokenizerError) -> TextNormalization {
        guard let value, !value.isNull else { return .none }
        switch value["type"]?.stringValue {
        case "NFC": return .nfc
        case "Sequence":
            let inner = value["normalizers"]?.arrayValue ?? []
            if inner.isEmpty { return .none }
            if inner.count == 1, inner[0]["type"]?.stringValue == "NFC" { return .nfc }
            throw .unsupported(file: file, field: "normalizer", detail: "a sequence other than [NFC]")
        default:
            throw .unsupported(file: file, field: "normalizer.type", detail: "\(describe(value["type"] ?? .null)); only NFC or none")
        }
    }

    /// The pre-tokenizer of tokenizer.json, when it is one of those `PreTokenizer` implements.
    private static func parsePreTokenizer(_ value: JSONValue?, file: String) throws(TokenizerError) -> PreTokenizer {
        let field = "pre_tokenizer"
        guard let value, !value.isNull else {
            throw .unsupported(file: file, field: field, detail: "null (a byte-level BPE tokenizer needs a ByteLevel pre-tokenizer)")
        }
        var steps = [value]
        if value["type"]?.stringValue == "Sequence" {
            guard let inner = value["pretokenizers"]?.arrayValue else { throw .invalidField(file: file, field: "\(field).pretokenizers", detail: "not an array") }
            steps = inner
        }
        func path(_ index: Int) -> String { value["type"]?.stringValue == "Sequence" ? "\(field).pretokenizers[\(index)]" : field }
        // The last step is always ByteLevel; what comes before it decides the kind.
        guard let byteLevel = steps.last, byteLevel["type"]?.stringValue == "ByteLevel" else {
            throw .unsupported(file: file, field: path(steps.count - 1), detail: "the last pre-tokenizer must be ByteLevel")
        }
        if byteLevel["add_prefix_space"]?.boolValue == true {
            throw .unsupported(file: file, field: "\(path(steps.count - 1)).add_prefix_space", detail: "true")
        }
        let usesRegex = byteLevel["use_regex"]?.boolValue ?? true
        let before = steps.dropLast()
        switch (before.count, usesRegex) {
        case (0, true):
            return .gpt2(isolatingDigits: false)
        case (1, true):
            let digits = before[0]
            guard digits["type"]?.stringValue == "Digits", digits["individual_digits"]?.boolValue == true else {
                throw .unsupported(file: file, field: path(0), detail: "before ByteLevel's regex only Digits(individual_digits: true) is supported")
            }
            return .gpt2(isolatingDigits: true)
        case (1, false):
            let split = before[0]
            guard split["type"]?.stringValue == "Split" else { throw .unsupported(file: file, field: "\(path(0)).type", detail: "expected Split") }
            guard split["behavior"]?.stringValue == "Isolated", split["invert"]?.boolValue != true else {
                throw .unsupported(file: file, field: "\(path(0)).behavior", detail: "only Isolated, not inverted")
            }
            switch split["pattern"]?["Regex"]?.stringValue {
            case Qwen2PreTokenizer.pattern?: return .qwen2
            case Qwen2PreTokenizer.llama3Pattern?: return .llama3
            case let other:
                throw .unsupported(file: file, field: "\(path(0)).pattern", detail: "\(other.map { "regex \($0)" } ?? "not a regex"); supported: Qwen2's and Llama 3's")
            }
        default:
            throw .unsupported(file: file, field: field, detail: "expected ByteLevel, Digits + ByteLevel, or Split + ByteLevel")
        }
    }

    /// The pre_tokenizer document of `kind`, as the models that use it write it.
    static func preTokenizerDocument(_ kind: PreTokenizer) -> JSONValue {
        func byteLevel(regex: Bool) -> JSONValue {
            .object(["type": .string("ByteLevel"), "add_prefix_space": .bool(false), "trim_offsets": .bool(regex), "use_regex": .bool(regex)])
        }
        func split(_ pattern: String) -> JSONValue {
            .object(["type": .string("Sequence"), "pretokenizers": .array([
                .object(["type": .string("Split"), "pattern": .object(["Regex": .string(pattern)]), "behavior": .string("Isolated"), "invert": .bool(false)]),
                byteLevel(regex: false),
            ])])
        }
        switch kind {
        case .qwen2: return split(Qwen2PreTokenizer.pattern)
        case .llama3: return split(Qwen2PreTokenizer.llama3Pattern)
        case .gpt2(false): return byteLevel(regex: true)
        case .gpt2(true):
            return .object(["type": .string("Sequence"), "pretokenizers": .array([
                .object(["type": .string("Digits"), "individual_digits": .bool(true)]), byteLevel(regex: true),
            ])])
        }
    }

    /// Accepts a post-processor that adds no tokens: none, ByteLevel, or a TemplateProcessing
    /// whose single-sequence template is the sequence alone. (`encode` adds no special tokens,
    /// as `encode(add_special_tokens=False)` and chat templates do.)
    private static func checkPostProcessor(_ value: JSONValue?, file: String) throws(TokenizerError) {
        guard let value, !value.isNull else { return }
        switch value["type"]?.stringValue {
        case "ByteLevel": return
        case "TemplateProcessing":
            let single = value["single"]?.arrayValue ?? []
            guard single.count == 1, single[0]["Sequence"] != nil else {
                throw .unsupported(file: file, field: "post_processor.single", detail: "a template that adds tokens around the text (only the text alone is supported)")
            }
        case "Sequence":
            for (index, step) in (value["processors"]?.arrayValue ?? []).enumerated() {
                do { try checkPostProcessor(step, file: file) } catch {
                    throw .unsupported(file: file, field: "post_processor.processors[\(index)]", detail: "\(error)")
                }
            }
        default:
            throw .unsupported(file: file, field: "post_processor.type", detail: "\(describe(value["type"] ?? .null)); only ByteLevel, TemplateProcessing of the text alone, or null")
        }
    }

    private static func expect(_ value: JSONValue?, in allowed: [JSONValue], file: String, field: String) throws(TokenizerError) {
        guard let value else { return }
        if !allowed.contains(value) {
            throw .unsupported(file: file, field: field, detail: describe(value))
        }
    }

    static func describe(_ value: JSONValue) -> String {
        JSONWriter.canonical.string(value)
    }
}
