// logprobs over HTTP, in OpenAI's two shapes: completions (with echo: the prompt's tokens first,
// what lm-evaluation-harness's loglikelihood requests read) and chat (`logprobs` and
// `top_logprobs`), non-streamed and streamed, with the numbers the engine computes.

import Basics
import Engine
import Foundation
@testable import Serve
import Testing

@Suite struct LogprobsTests {
    /// The engine's entries for `prompt`, as the server computes them.
    func engine(_ server: OpenAIServer, prompt: [Int32], maxTokens: Int, top: Int, echo: Bool) throws -> GenerationResult {
        let request = BatchRequest(prompt: prompt, maxNewTokens: maxTokens, logprobs: top, promptLogprobs: echo ? top : nil)
        return try BatchDecoder(model: server.model.model).generate([request], maxBatch: 1)[0]
    }

    func number(_ logprob: Float) -> JSONValue { .number(max(logprob, -9999).description) }

    @Test func completionLogprobsAreTheEngines() async throws {
        try await withServer { server in
            let reply = try await post(server, "/v1/completions",
                                       #"{"prompt": "The colour of the sea", "max_tokens": 5, "ignore_eos": true, "logprobs": 2, "temperature": 0}"#)
            #expect(reply.status == 200, "\(reply.text)")
            let choice = try #require(try reply.json()["choices"]?.arrayValue?.first)
            let logprobs = try #require(choice["logprobs"])
            let prompt = server.model.tokenizer.encode("The colour of the sea").map { Int32($0) }
            let expected = try #require(try engine(server, prompt: prompt, maxTokens: 5, top: 2, echo: false).logprobs)
            let shapes = LogprobShapes(tokenizer: server.model.tokenizer)
            #expect(logprobs["tokens"] == .array(expected.map { .string(shapes.text($0.token)) }))
            #expect(logprobs["token_logprobs"] == .array(expected.map { number($0.logprob) }))
            let tops = try #require(logprobs["top_logprobs"]?.arrayValue)
            for (entry, top) in zip(expected, tops) {
                // The two most likely and the chosen one (greedy: the most likely). Tokens whose text
                // is the same (U+FFFD of partial characters) share one key, as in OpenAI's format.
                let candidates = [TokenAlternative(token: entry.token, logprob: entry.logprob)] + entry.top
                for candidate in candidates {
                    let text = shapes.text(candidate.token)
                    if candidates.filter({ shapes.text($0.token) == text }).count == 1 {
                        #expect(top[text] == number(candidate.logprob))
                    }
                }
                #expect(top.objectValue.map { $0.count >= 1 && $0.count <= 3 } == true)
            }
            let offsets = try #require(logprobs["text_offset"]?.arrayValue?.compactMap { $0.intValue })
            #expect(offsets.count == 5 && offsets.first == 0 && offsets == offsets.sorted())
        }
    }

    /// lm-evaluation-harness's loglikelihood request: echo, logprobs 1, no completion.
    @Test func echoReturnsThePromptAndItsLogprobs() async throws {
        try await withServer { server in
            let text = "Question: what is two and two? Answer: four"
            let reply = try await post(server, "/v1/completions", """
                {"prompt": \(quoted(text)), "max_tokens": 0, "echo": true, "logprobs": 1, "temperature": 0}
                """)
            #expect(reply.status == 200, "\(reply.text)")
            let document = try reply.json()
            let choice = try #require(document["choices"]?.arrayValue?.first)
            #expect(choice["text"] == .string(text))
            #expect(choice["finish_reason"] == .string("length"))
            #expect(document["usage"]?["completion_tokens"] == .int(0))
            let prompt = server.model.tokenizer.encode(text).map { Int32($0) }
            let expected = try #require(try engine(server, prompt: prompt, maxTokens: 0, top: 1, echo: true).promptLogprobs)
            let logprobs = try #require(choice["logprobs"])
            #expect(logprobs["token_logprobs"] == .array([.null] + expected.map { number($0.logprob) }))
            #expect(logprobs["top_logprobs"]?.arrayValue?.first == .null)
            let tokens = try #require(logprobs["tokens"]?.arrayValue?.compactMap { $0.stringValue })
            #expect(tokens.count == prompt.count && tokens.joined() == text)
            #expect(logprobs["text_offset"]?.arrayValue?.compactMap { $0.intValue }.last == text.count - tokens.last!.count)

            // Echo with a completion: the prompt, then the generated text; entries for both.
            let more = try await post(server, "/v1/completions",
                                      "{\"prompt\": \(quoted(text)), \"max_tokens\": 3, \"echo\": true, \"logprobs\": 0, \"ignore_eos\": true}")
            let moreChoice = try #require(try more.json()["choices"]?.arrayValue?.first)
            #expect(moreChoice["text"]?.stringValue?.hasPrefix(text) == true)
            #expect(moreChoice["logprobs"]?["tokens"]?.arrayValue?.count == prompt.count + 3)
            // Echo alone: text only.
            let plain = try await post(server, "/v1/completions", "{\"prompt\": \(quoted(text)), \"max_tokens\": 2, \"echo\": true}")
            let plainChoice = try #require(try plain.json()["choices"]?.arrayValue?.first)
            #expect(plainChoice["text"]?.stringValue?.hasPrefix(text) == true)
            #expect(plainChoice["logprobs"] == .null)
        }
    }

    @Test func chatLogprobsStreamedAndNotAgree() async throws {
        try await withServer { server in
            let body = #"{"messages": [{"role": "user", "content": "Say something."}], "max_tokens": 6, "ignore_eos": true, "logprobs": true, "top_logprobs": 2"#
            let reply = try await post(server, "/v1/chat/completions", body + "}")
            #expect(reply.status == 200, "\(reply.text)")
            let choice = try #require(try reply.json()["choices"]?.arrayValue?.first)
            let content = try #require(choice["logprobs"]?["content"]?.arrayValue)
            #expect(content.count == 6)
            for entry in content {
                #expect(entry["logprob"]?.doubleValue.map { $0 <= 0 } == true)
                #expect(entry["top_logprobs"]?.arrayValue?.count == 2)
                let token = try #require(entry["token"]?.stringValue)
                let bytes = try #require(entry["bytes"]?.arrayValue?.compactMap { $0.intValue })
                #expect(String(decoding: bytes.map(UInt8.init), as: UTF8.self) == token)
            }
            let streamed = try await stream(server, "/v1/chat/completions", body + #", "stream": true}"#)
            let pieces = try streamed.chunks().flatMap { chunk -> [JSONValue] in
                chunk["choices"]?.arrayValue?.first?["logprobs"]?["content"]?.arrayValue ?? []
            }
            #expect(pieces == content)
            // Without logprobs: null.
            let plain = try await post(server, "/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}"#)
            #expect(try plain.json()["choices"]?.arrayValue?.first?["logprobs"] == .null)
        }
    }
}

