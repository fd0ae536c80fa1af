// How a byte-level BPE tokenizer cuts normalised text into pieces before BPE (no merge crosses a
// piece boundary). The real models of the Llama/Qwen2 family use one of a few regexes; each is a
// hand-written scanner with the regex's exact semantics, checked against `tokenizers`:
//
//   qwen2   Split(Qwen2's regex, Isolated) + ByteLevel(use_regex: false)   Qwen2, Qwen2.5
//   llama3  Split(Llama 3's regex, Isolated) + ByteLevel(use_regex: false) Llama 3.x
//   gpt2    ByteLevel(use_regex: true), optionally after Digits(individual_digits: true)
//           GPT-2 (without), SmolLM/SmolLM2 (with)
//
// llama.cpp names the same choices in GGUF's `tokenizer.ggml.pre`: `qwen2`, `llama-bpe`, `gpt2`,
// `smollm`.

/// The pre-tokenizer of a byte-level BPE tokenizer.
public enum PreTokenizer: Sendable, Equatable, Hashable {
    case qwen2
    case llama3
    case gpt2(isolatingDigits: Bool)

    /// The GGUF `tokenizer.ggml.pre` names llama.cpp writes for these pre-tokenizers.
    public init?(ggufName: String) {
        switch ggufName {
        case "qwen2": self = .qwen2
        case "llama-bpe", "llama3": self = .llama3
        case "gpt2", "gpt-2": self = .gpt2(isolatingDigits: false)
        case "smollm": self = .gpt2(isolatingDigits: true)
        default: return nil
        }
    }

    /// The GGUF name of this pre-tokenizer.
    public var ggufName: String {
        switch self {
        case .qwen2: return "qwen2"
        case .llama3: return "llama-bpe"
        case .gpt2(let isolatingDigits): return isolatingDigits ? "smollm" : "gpt2"
        }
    }

    /// Calls `body` with the UTF-8 byte range of each piece of valid UTF-8 `bytes`, in order; the
    /// pieces tile the text.
    func forEachPiece(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        if bytes.isEmpty { return }
        let text = PreTokenizerCharacters(bytes)
        switch self {
        case .qwen2: Qwen2PreTokenizer.forEachPiece(text, in: 0..<text.count, maxDigits: 1, body)
        case .llama3: Qwen2PreTokenizer.forEachPiece(text, in: 0..<text.count, maxDigits: 3, body)
        case .gpt2(let isolatingDigits): GPT2PreTokenizer.forEachPiece(text, isolatingDigits: isolatingDigits, body)
        }
    }

    /// The pieces of `text`; their concatenation is `text`.
    public func split(_ text: String) -> [String] {
        var pieces: [String] = []
        var utf8 = Array(text.utf8)
        utf8.withUnsafeMutableBufferPointer { buffer in
            let bytes = UnsafeBufferPointer(buffer)
            forEachPiece(bytes) { range in
                pieces.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
            }
        }
        return pieces
    }
}
