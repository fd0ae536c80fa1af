// Every endpoint over real HTTP on a loopback port, checked for the OpenAI/vLLM shapes and for
// producing exactly what the engine's Generator produces for the same prompt.

import Engine
import Foundation
@testable import Serve
import Testing

@Suite struct EndpointTests {
    @Test func healthAndModels() async throws {
        try await withServer { server in
            let health = try await send(server, .GET, "/health")
            #expect(health.status == 200)
            #expect(health.body.isEmpty)

            let models = try await send(server, .GET, "/v1/models")
            #expect(models.status == 200)
            #expect(models.headers.first(name: "Content-Type") == "application/json")
            let document = try models.json()
            #expect(document["object"] == .string("list"))
            let entry = try #require(document["data"]?.arrayValue?.first)
            #expect(entry["id"] == .string(servedName))
            #expect(entry["object"] == .string("model"))
            #expect(entry["max_model_len"] == .int(2048))
            #expect(entry["root"] == .string(tinyModelDirectory.path))
            #expect(server.baseURL == "http://127.0.0.1:\(server.port)/v1")
        }
    }

    /// GET /metrics: Prometheus text with vLLM's names, counting what the server did.
    @Test func metricsCountRequestsTokensAndLatencies() async throws {
        try await withServer { server in
            let first = try await post(server, "/v1/completions", #"{"prompt": "count me", "max_tokens": 7, "ignore_eos": true}"#)
            let second = try await post(server, "/v1/chat/completions",
                                        #"{"messages": [{"role": "user", "content": "and me"}], "max_tokens": 5, "ignore_eos": true}"#)
            #expect(first.status == 200 && second.status == 200)
            let missing = try await send(server, .GET, "/nowhere")
            #expect(missing.status == 404)
            let usages = try [first, second].map { try $0.json()["usage"] }
            let prompt = usages.compactMap { $0?["prompt_tokens"]?.intValue }.reduce(0, +)

            let metrics = try await send(server, .GET, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers.first(name: "Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let lines = Set(metrics.text.split(separator: "\n").map(String.init))
            for expected in ["vllm:generation_tokens_total 12", "vllm:prompt_tokens_total \(prompt)",
                             #"vllm:request_success_total{finished_reason="length"} 2"#,
                             "vllm:num_requests_running 0.0", "vllm:num_requests_waiting 0.0",
                             "vllm:time_to_first_token_seconds_count 2", "vllm:time_per_output_token_seconds_count 10",
                             #"http_requests_total{handler="/v1/completions",method="POST",status="200"} 1"#,
                             #"http_requests_total{handler="other",method="GET",status="404"} 1"#,
                             "# TYPE vllm:time_to_first_token_seconds histogram"] {
                #expect(lines.contains(expected), "missing \(expected) in\n\(metrics.text)")
            }
            #expect(try await send(server, .POST, "/metrics", body: "{}").status == 405)
        }
    }

    @Test func chatCompletionMatchesTheEngine() async throws {
        try await withServer { server in
            let reply = try await post(server, "/v1/chat/completions", """
                {"model": "tiny", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a colour."}],
                 "max_tokens": 24, "temperature": 0}
                """)
            #expect(reply.status == 200)
            let document = try reply.json()
            #expect(document["object"] == .string("chat.completion"))
            #expect(document["id"]?.stringValue?.hasPrefix("chatcmpl-") == true)
            #expect(document["created"]?.intValue != nil)
            #expect(document["model"] == .string(servedName))
            let choice = try #require(document["choices"]?.arrayValue?.first)
            #expect(choice["index"] == .int(0))
            #expect(choice["message"]?["role"] == .string("assistant"))

            // The same prompt through the engine directly.
            let model = server.model
            let prompt = try model.tokenizer.encodeChat([ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Name a colour.")],
                                                    addGenerationPrompt: true).map { Int32($0) }
            let direct = try Generator(model: model.model).generate(prompt: prompt, maxNewTokens: 24, stopTokenIds: model.stopTokenIds)
            let expectedText = model.tokenizer.decode(direct.tokens.map(Int.init), skipSpecialTokens: true)
            #expect(choiceText(document) == expectedText)
            let stoppedByToken = direct.finishReason != .length
            #expect(choice["finish_reason"] == .string(stoppedByToken ? "stop" : "length"))
            let usage = try #require(document["usage"])
            #expect(usage["prompt_tokens"] == .int(prompt.count))
            #expect(usage["completion_tokens"] == .int(direct.tokens.count + (stoppedByToken ? 1 : 0)))
            #expect(usage["total_tokens"] == .int(prompt.count + direct.tokens.count + (stoppedByToken ? 1 : 0)))
        }
    }

    @Test func completionsTakeStringsListsAndTokenIds() async throws {
        try await withServer { server in
            let single = try await post(server, "/v1/completions", #"{"model": "tiny", "prompt": "Once upon", "max_tokens": 12, "temperature": 0, "ignore_eos": true}"#)
            #expect(single.status == 200)
            let document = try single.json()
            #expect(document["object"] == .string("text_completion"))
            #expect(document["id"]?.stringValue?.hasPrefix("cmpl-") == true)
            let tokens = server.model.tokenizer.encode("Once upon").map { Int32($0) }
            let direct = try Generator(model: server.model.model).generate(prompt: tokens, maxNewTokens: 12)
            #expect(choiceText(document) == server.model.tokenizer.decode(direct.tokens.map(Int.init), skipSpecialTokens: true))
            #expect(document["usage"]?["completion_tokens"] == .int(12))
            #expect(document["choices"]?.arrayValue?.first?["finish_reason"] == .string("length"))

            // The same prompt as token ids gives the same text.
            let ids = tokens.map { String($0) }.joined(separator: ", ")
            let byIDs = try await post(server, "/v1/completions", #"{"prompt": [\#(ids)], "max_tokens": 12, "temperature": 0, "ignore_eos": true}"#)
            #expect(choiceText(try byIDs.json()) == choiceText(document))

            // Two prompts × n = 2: four choices, indexed prompt-major; choice i of a prompt uses
            // seed + i, so each prompt's choices equal those of the prompt sent alone.
            let batch = try await post(server, "/v1/completions", #"""
                {"prompt": ["Once upon", "The end"], "n": 2, "max_tokens": 8, "temperature": 1, "seed": 5, "ignore_eos": true}
                """#)
            let batchDocument = try batch.json()
            #expect(batchDocument["choices"]?.arrayValue?.count == 4)
            #expect(batchDocument["usage"]?["completion_tokens"] == .int(32))
            let alone = try await post(server, "/v1/completions", #"{"prompt": "The end", "n": 2, "max_tokens": 8, "temperature": 1, "seed": 5, "ignore_eos": true}"#)
            let aloneDocument = try alone.json()
            #expect(choiceText(batchDocument, 2) == choiceText(aloneDocument, 0))
            #expect(choiceText(batchDocument, 3) == choiceText(aloneDocument, 1))
            #expect(choiceText(batchDocument, 2) != choiceText(batchDocument, 3))
        }
    }

    @Test func defaultMaxTokensFollowVLLM() async throws {
        try await withServer { server in
            // Completions default to 16 tokens.
            let completion = try await post(server, "/v1/completions", #"{"prompt": "Hello", "temperature": 0, "ignore_eos": true}"#)
            #expect(try completion.json()["usage"]?["completion_tokens"] == .int(16))
        }
    }

    @Test func stopStringsEndTheTextAndAreLeftOut() async throws {
        try await withServer { server in
            let body = #"{"prompt": "Tell me", "max_tokens": 40, "temperature": 0, "ignore_eos": true"#
            let full = try choiceText(try await post(server, "/v1/completions", body + "}").json()) ?? ""
            #expect(full.count > 6)
            // A stop string taken from the middle of the full text.
            let scalars = Array(full.unicodeScalars)
            var stopScalars = String.UnicodeScalarView()
            stopScalars.append(contentsOf: scalars[3..<5])
            let stop = String(stopScalars)
            // The text before the first occurrence, found on bytes as the server finds it.
            let fullBytes = Array(full.utf8), stopBytes = Array(stop.utf8)
            let start = try #require((0...(fullBytes.count - stopBytes.count)).first { fullBytes[$0..<($0 + stopBytes.count)].elementsEqual(stopBytes) })
            let expected = String(decoding: fullBytes[..<start], as: UTF8.self)
            let stopped = try await post(server, "/v1/completions", body + ", \"stop\": [\"zzzz\", \(quoted(stop))]}")
            let document = try stopped.json()
            let choice = try #require(document["choices"]?.arrayValue?.first)
            #expect(choice["text"] == .string(expected))
            #expect(choice["finish_reason"] == .string("stop"))
            #expect(choice["stop_reason"] == .string(stop))

            // Streaming sends exactly the same text, never a piece of the stop string.
            let streamed = try await stream(server, "/v1/completions", body + ", \"stream\": true, \"stop\": \(quoted(stop))}")
            let (text, finish) = streamedText(try streamed.chunks())
            #expect(text == expected)
            #expect(finish?["finish_reason"] == .string("stop"))
            #expect(finish?["stop_reason"] == .string(stop))
        }
    }
}
