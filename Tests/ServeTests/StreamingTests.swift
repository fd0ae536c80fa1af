// Server-sent events as vLLM sends them, read the way an OpenAI client reads them.

import Engine
import Foundation
@testable import Serve
import Testing

@Suite struct StreamingTests {
    @Test func chatStreamCarriesTheSameTextAsTheResponse() async throws {
        try await withServer { server in
            let body = #"{"model": "tiny", "messages": [{"role": "user", "content": "Count to three."}], "max_tokens": 30, "temperature": 0.8, "seed": 3"#
            let whole = try await post(server, "/v1/chat/completions", body + "}").json()
            let streamed = try await stream(server, "/v1/chat/completions", body + #", "stream": true, "stream_options": {"include_usage": true}}"#)
            #expect(streamed.status == 200)
            #expect(streamed.contentType?.hasPrefix("text/event-stream") == true)
            #expect(streamed.leftover == 0)
            #expect(streamed.events.last == "[DONE]")
            #expect(streamed.events.filter { $0 == "[DONE]" }.count == 1)
            let chunks = try streamed.chunks()
            // First chunk: the assistant role, empty content.
            let first = try #require(chunks.first?["choices"]?.arrayValue?.first)
            #expect(first["delta"]?["role"] == .string("assistant"))
            #expect(first["delta"]?["content"] == .string(""))
            for chunk in chunks {
                #expect(chunk["object"] == .string("chat.completion.chunk"))
                #expect(chunk["id"] == chunks[0]["id"])
                #expect(chunk["model"] == .string(servedName))
            }
            let (text, finish) = streamedText(chunks)
            #expect(text == choiceText(whole))
            #expect(finish?["finish_reason"] == whole["choices"]?.arrayValue?.first?["finish_reason"])
            // include_usage: a last chunk without choices, with the usage of the whole response.
            let last = try #require(chunks.last)
            #expect(last["choices"] == .array([]))
            #expect(last["usage"] == whole["usage"])
            // Only the last chunk has usage.
            #expect(chunks.dropLast().allSatisfy { $0["usage"] == nil })
        }
    }

    @Test func completionStreamWithoutUsage() async throws {
        try await withServer { server in
            let body = #"{"prompt": "abc", "max_tokens": 10, "temperature": 0, "ignore_eos": true, "n": 2"#
            let whole = try await post(server, "/v1/completions", body + "}").json()
            let streamed = try await stream(server, "/v1/completions", body + #", "stream": true}"#)
            let chunks = try streamed.chunks()
            #expect(streamed.events.last == "[DONE]")
            #expect(chunks.allSatisfy { $0["object"] == .string("text_completion") && $0["usage"] == nil })
            for index in 0..<2 {
                let (text, finish) = streamedText(chunks, index)
                #expect(text == choiceText(whole, index))
                #expect(finish?["finish_reason"] == .string("length"))
            }
        }
    }

    @Test func multiByteCharactersAreNeverSplitAcrossChunks() async throws {
        // Byte-level tokens can end inside a character; each chunk must still be valid UTF-8
        // text, and the pieces must add up to the whole. Chinese prompts make such tokens likely.
        try await withServer { server in
            let body = #"{"prompt": "中文文本生成测试", "max_tokens": 60, "temperature": 1, "seed": 11, "ignore_eos": true"#
            let whole = try choiceText(try await post(server, "/v1/completions", body + "}").json()) ?? ""
            let streamed = try await stream(server, "/v1/completions", body + #", "stream": true}"#)
            let (text, _) = streamedText(try streamed.chunks())
            #expect(text == whole)
            let direct = try Generator(model: server.model.model).generate(
                prompt: server.model.tokenizer.encode("中文文本生成测试").map { Int32($0) }, maxNewTokens: 60, temperature: 1, seed: 11)
            #expect(whole == server.model.tokenizer.decode(direct.tokens.map(Int.init), skipSpecialTokens: true))
        }
    }
}
