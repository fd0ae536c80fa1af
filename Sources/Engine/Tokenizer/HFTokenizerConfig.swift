// tokenizer_config.json, the `transformers` side of a tokenizer: which class to instantiate
// (Qwen2Tokenizer), the special-token roles (EOS is <|im_end|> for chat models, padding is
// <|endoftext|>), the chat template and the maximum length. Written as Qwen2-7B-Instruct's file
// is, with sorted keys.

import Basics
import Foundation

/// Builds and reads tokenizer_config.json.
public enum HFTokenizerConfig {
    /// The tokenizer_config.json document for `tokenizer`. `eosToken` and `padToken` must be
    /// added tokens of the tokenizer (they are `nil` in the file otherwise); the tokenizer's own
    /// BOS and EOS (an imported model's) take precedence.
    public static func document(for tokenizer: BPETokenizer, eosToken defaultEOS: String = "<|im_end|>",
                                padToken: String = "<|endoftext|>") -> JSONValue {
        let eosToken = tokenizer.eosToken ?? defaultEOS
        var decoder: [String: JSONValue] = [:]
        for token in tokenizer.addedTokens {
            decoder[String(token.id)] = .object([
                "content": .string(token.content), "lstrip": .bool(false), "normalized": .bool(false),
                "rstrip": .bool(false), "single_word": .bool(false), "special": .bool(token.special),
            ])
        }
        let contents = Set(tokenizer.addedTokens.map(\.content))
        let additional = tokenizer.addedTokens.filter { $0.special && $0.content != padToken }.map { JSONValue.string($0.content) }
        return .object([
            "add_prefix_space": .bool(false),
            "added_tokens_decoder": .object(decoder),
            "additional_special_tokens": .array(additional),
            "bos_token": tokenizer.bosToken.map { .string($0) } ?? .null,
            "chat_template": .string(tokenizer.chatTemplate),
            "clean_up_tokenization_spaces": .bool(false),
            "eos_token": contents.contains(eosToken) ? .string(eosToken) : .null,
            "errors": .string("replace"),
            "model_max_length": .int(tokenizer.modelMaxLength),
            "pad_token": contents.contains(padToken) ? .string(padToken) : .null,
            "split_special_tokens": .bool(false),
            "tokenizer_class": .string("Qwen2Tokenizer"),
            "unk_token": .null,
        ])
    }

    /// What the engine takes from a tokenizer_config.json: the chat template, the maximum length
    /// and the special-token roles (nil where the file has none).
    public struct Settings: Sendable, Equatable {
        public var chatTemplate: String?
        public var modelMaxLength: Int?
        public var eosToken: String?
        public var padToken: String?
        public var bosToken: String?
    }

    /// Reads the settings from tokenizer_config.json text. Token roles may be strings or
    /// `{"content": ...}` objects (older `transformers` writes either).
    public static func settings(from bytes: [UInt8], file: String = "tokenizer_config.json") throws(TokenizerError) -> Settings {
        let root: JSONValue
        do throws(JSONSyntaxError) { root = try JSONParser.parse(bytes: bytes, options: .interchange) } catch { throw .invalidJSON(file: file, detail: error.description) }
        guard case .object = root else { throw .invalidField(file: file, field: "$", detail: "expected an object") }
        func role(_ name: String) -> String? {
            root[name]?.stringValue ?? root[name]?["content"]?.stringValue
        }
        var template: String?
        switch root["chat_template"] {
        case .string(let text)?: template = text
        case .array(let named)?:
            // A list of named templates: the engine uses the "default" one.
            template = named.first { $0["name"]?.stringValue == "default" }?["template"]?.stringValue
        default: template = nil
        }
        // Python writes an "unlimited" length as 1e30; treat anything absurd as absent.
        var maxLength = root["model_max_length"]?.wholeNumberValue
        if let length = maxLength, length > 1 << 40 { maxLength = nil }
        return Settings(chatTemplate: template, modelMaxLength: maxLength, eosToken: role("eos_token"), padToken: role("pad_token"),
                        bosToken: role("bos_token"))
    }
}
