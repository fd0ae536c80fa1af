// The `logprobs` objects of responses, in the two shapes OpenAI defines:
//   completions  {"tokens": [...], "token_logprobs": [...], "top_logprobs": [{token: logprob}], "text_offset": [...]}
//                one entry per token (with echo, the prompt's first: its log probability and
//                alternatives are null); each top_logprobs dict holds the N most likely tokens and
//                the chosen one, as vLLM fills it
//   chat         {"content": [{"token", "logprob", "bytes", "top_logprobs": [{"token", "logprob", "bytes"}]}]}
// A token's text is its own bytes decoded (U+FFFD where it ends inside a character), `bytes` the
// raw ones. A log probability of −∞ is written −9999.0, as OpenAI and vLLM write it.

import Basics
import Engine

struct LogprobShapes {
    let tokenizer: BPETokenizer

    /// The text of one token on its own.
    func text(_ token: Int32) -> String {
        String(decoding: bytes(token), as: UTF8.self)
    }

    private func bytes(_ token: Int32) -> [UInt8] {
        tokenizer.bytes(of: Int(token)) ?? []
    }

    /// The shortest text that reads back as the same Float (`-0.25`, `-1e-05`).
    private static func number(_ logprob: Float) -> JSONValue {
        .number(max(logprob, -9999).description)
    }

    /// Completions' object for `entries` (nil: the prompt's first token, which has no log
    /// probability). Offsets count code points (Python's `len`, what clients index with) from
    /// `offset`, the start of the first entry's text in the returned text.
    func completion(_ entries: [(token: Int32, logprob: TokenLogprob?)], offset: Int = 0) -> JSONValue {
        var tokens: [JSONValue] = [], logprobs: [JSONValue] = [], tops: [JSONValue] = [], offsets: [JSONValue] = []
        var position = offset
        for (token, entry) in entries {
            let piece = text(token)
            tokens.append(.string(piece))
            offsets.append(.int(position))
            position += piece.unicodeScalars.count
            guard let entry else {
                logprobs.append(.null)
                tops.append(.null)
                continue
            }
            logprobs.append(Self.number(entry.logprob))
            var top: [String: JSONValue] = [:]
            for alternative in entry.top.reversed() { top[text(alternative.token)] = Self.number(alternative.logprob) }
            top[piece] = Self.number(entry.logprob)
            tops.append(.object(top))
        }
        return .object(["tokens": .array(tokens), "token_logprobs": .array(logprobs), "top_logprobs": .array(tops),
                        "text_offset": .array(offsets)])
    }

    /// Chat's object for the generated tokens' entries.
    func chat(_ entries: [TokenLogprob]) -> JSONValue {
        .object(["content": .array(entries.map { entry in
            .object([
                "token": .string(text(entry.token)),
                "logprob": Self.number(entry.logprob),
                "bytes": .array(bytes(entry.token).map { .int(Int($0)) }),
                "top_logprobs": .array(entry.top.map { alternative in
                    .object([
                        "token": .string(text(alternative.token)),
                        "logprob": Self.number(alternative.logprob),
                        "bytes": .array(bytes(alternative.token).map { .int(Int($0)) }),
                    ])
                }),
            ])
        })])
    }
}
