// Concurrency, disconnects and shutdown: a request's output is identical alone or among others;
// a client that goes away mid-stream stops its generation; a shutdown lets requests in flight
// finish, or cancels them cleanly after the grace period.

import Basics
import Engine
import Foundation
@testable import Serve
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct ConcurrencyTests {
    /// Requests of every kind: greedy and sampled, chat and completions, streamed and not, stops.
    static let requests: [(path: String, body: String, streamed: Bool)] = [
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "One"}], "max_tokens": 40, "temperature": 0, "ignore_eos": true}"#, false),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "Two"}], "max_tokens": 40, "temperature": 1, "seed": 7}"#, false),
        ("/v1/completions", #"{"prompt": "Three", "max_tokens": 50, "temperature": 0.7, "top_p": 0.9, "seed": 1, "ignore_eos": true}"#, false),
        ("/v1/completions", #"{"prompt": "Four", "max_tokens": 30, "temperature": 1.2, "top_k": 20, "n": 3, "ignore_eos": true}"#, false),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "Five"}], "max_tokens": 45, "temperature": 0.5, "stream": true, "ignore_eos": true}"#, true),
        ("/v1/completions", #"{"prompt": "Six six six", "max_tokens": 35, "temperature": 0, "stop": ["a"], "stream": true, "ignore_eos": true}"#, true),
        ("/v1/chat/completions", #"{"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Seven"}], "max_tokens": 25, "temperature": 0.9, "seed": 99}"#, false),
        ("/v1/completions", #"{"prompt": "Eight", "max_tokens": 20, "temperature": 0, "ignore_eos": true}"#, false),
    ]

    /// What a request produced, without the fields that may differ (id, created).
    static func outcome(_ server: OpenAIServer, _ request: (path: String, body: String, streamed: Bool)) async throws -> String {
        if request.streamed {
            let chunks = try await stream(server, request.path, request.body).chunks()
            var parts: [String] = []
            for index in 0..<4 {
                let (text, finish) = streamedText(chunks, index)
                if let finish { parts.append("\(index):\(text)|\(finish["finish_reason"]?.stringValue ?? "")") }
            }
            return parts.joined(separator: "\n")
        }
        let document = try await post(server, request.path, request.body).json()
        let choices = document["choices"]?.arrayValue ?? []
        let usage = document["usage"].map { JSONWriter.canonical.string($0) } ?? ""
        return choices.map { choice in
            "\(choice["index"]?.intValue ?? -1):\(choice["message"]?["content"]?.stringValue ?? choice["text"]?.stringValue ?? "")|\(choice["finish_reason"]?.stringValue ?? "")"
        }.joined(separator: "\n") + "\n" + usage
    }

    @Test func outputsAreIdenticalAloneAndConcurrent() async throws {
        try await withServer(ServeConfiguration(maxBatch: 4)) { server in
            var alone: [String] = []
            for request in Self.requests { alone.append(try await Self.outcome(server, request)) }
            // All at once (more than max-batch, so some also wait in the queue), twice over.
            let concurrent = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for round in 0..<2 {
                    for (index, request) in Self.requests.enumerated() {
                        group.addTask { (round * Self.requests.count + index, try await Self.outcome(server, request)) }
                    }
                }
                var results = [String](repeating: "", count: 2 * Self.requests.count)
                for try await (index, value) in group { results[index] = value }
                return results
            }
            for (index, expected) in alone.enumerated() {
                #expect(concurrent[index] == expected, "request \(index) differs when run concurrently")
                #expect(concurrent[index + Self.requests.count] == expected, "request \(index) differs in the second round")
            }
            #expect(alone.allSatisfy { !$0.isEmpty })
            let statistics = server.statistics
            #expect(statistics.running == 0 && statistics.queued == 0 && statistics.cancelled == 0)
        }
    }

    /// 32 different requests (prompts, lengths, greedy and seeded sampling, chat and completions,
    /// streamed and not) give the same bytes alone, all at once (16 batched, the rest queued) and
    /// in a shuffled order: continuous batching is batch-invariant.
    @Test func thirtyTwoRequestsAreIdenticalAloneTogetherAndShuffled() async throws {
        let requests: [(path: String, body: String, streamed: Bool)] = (0..<32).map { i in
            let sampling = i % 2 == 0 ? #""temperature": 0"# : #""temperature": 0.8, "top_p": 0.9, "seed": \#(i)"#
            let stream = i % 5 == 0
            if i % 3 == 0 {
                return ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "Request \#(i) \#(String(repeating: "word ", count: i))"}], "max_tokens": \#(8 + i), \#(sampling), "stream": \#(stream), "ignore_eos": true}"#, stream)
            }
            return ("/v1/completions", #"{"prompt": "Prompt number \#(i): \#(String(repeating: "x", count: i))", "max_tokens": \#(40 - i), \#(sampling), "stream": \#(stream)}"#, stream)
        }
        try await withServer(ServeConfiguration(maxBatch: 16)) { server in
            var alone: [String] = []
            for request in requests { alone.append(try await Self.outcome(server, request)) }
            func concurrently(_ order: [Int]) async throws -> [Int: String] {
                try await withThrowingTaskGroup(of: (Int, String).self) { group in
                    for index in order { group.addTask { (index, try await Self.outcome(server, requests[index])) } }
                    var results: [Int: String] = [:]
                    for try await (index, value) in group { results[index] = value }
                    return results
                }
            }
            let together = try await concurrently(Array(0..<32))
            var order = Array(0..<32)
            var rng = Xoshiro256StarStar(seed: 5)
            for i in stride(from: 31, to: 0, by: -1) { order.swapAt(i, rng.nextInt(below: i + 1)) }
            let shuffled = try await concurrently(order)
            for index in 0..<32 {
                #expect(together[index] == alone[index], "request \(index) differs when all run at once")
                #expect(shuffled[index] == alone[index], "request \(index) differs in the shuffled order")
            }
            #expect(Set(alone).count == 32, "the requests are all different")
        }
    }

    /// Evaluation prompts share a system prompt and the chat header: with prefix reuse they copy
    /// its keys and values, and every answer is the one computed without reuse, byte for byte.
    @Test func prefixReuseChangesNoAnswer() async throws {
        let system = "You are a careful assistant. Follow every constraint of the instruction exactly. " + String(repeating: "Be precise. ", count: 12)
        let requests: [(path: String, body: String, streamed: Bool)] = (0..<10).map { i in
            ("/v1/chat/completions", #"{"messages": [{"role": "system", "content": "\#(system)"}, {"role": "user", "content": "Instruction \#(i): write \#(String(repeating: "more ", count: i))"}], "max_tokens": 12, "temperature": \#(i % 2 == 0 ? "0" : "0.7, \"seed\": 3"), "stream": \#(i % 3 == 0), "ignore_eos": true}"#, i % 3 == 0)
        }
        func answers(_ server: OpenAIServer) async throws -> [String] {
            var sequential: [String] = []
            for request in requests.prefix(3) { sequential.append(try await Self.outcome(server, request)) }
            let rest = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for index in 3..<requests.count { group.addTask { (index, try await Self.outcome(server, requests[index])) } }
                var results: [Int: String] = [:]
                for try await (index, value) in group { results[index] = value }
                return results
            }
            return sequential + (3..<requests.count).map { rest[$0]! }
        }
        func counter(_ metrics: String, _ name: String) -> Double? {
            metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
        }
        let without = try await withServer(ServeConfiguration(maxBatch: 4, prefixCacheTokens: 0)) { server in
            let result = try await answers(server)
            let metrics = try await send(server, .GET, "/metrics").text
            #expect(counter(metrics, "vllm:prefix_cache_queries_total") == 0)
            return result
        }
        try await withServer(ServeConfiguration(maxBatch: 4, prefixCacheTokens: 4096)) { server in
            #expect(try await answers(server) == without)
            let metrics = try await send(server, .GET, "/metrics").text
            let queries = try #require(counter(metrics, "vllm:prefix_cache_queries_total"))
            let hits = try #require(counter(metrics, "vllm:prefix_cache_hits_total"))
            // Every request after the first finds at least the system prompt.
            #expect(queries > 0 && hits >= 9 * 60, "\(hits) of \(queries) prompt tokens reused")
        }
    }

    /// Whether a TCP connection to the loopback port is accepted.
    static func accepts(port: Int) -> Bool { (try? RawConnection(port: port)) != nil }

    /// Opens a raw TCP connection, sends `request`, reads until `marker` appears, then closes
    /// the socket: a client that goes away mid-stream.
    static func readThenHangUp(port: Int, request: String, marker: String) throws -> String {
        let connection = try RawConnection(port: port)
        connection.send(request)
        return connection.read(until: marker)
    }

    @Test func clientThatHangsUpMidStreamStopsItsGeneration() async throws {
        try await withServer(model: longGenerationModelDirectory) { server in
            let maxTokens = longGenerationTokens
            let body = #"{"prompt": "Go on", "max_tokens": \#(maxTokens), "temperature": 1, "ignore_eos": true, "stream": true}"#
            let request = "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
            let port = server.port
            let head = try await Task.detached { try Self.readThenHangUp(port: port, request: request, marker: "\"text\"") }.value
            #expect(head.hasPrefix("HTTP/1.1 200"))
            // The sequence is cancelled soon after the hang-up, long before its max_tokens.
            let stopped = await eventually(within: 20) { server.statistics.cancelled == 1 && server.statistics.running == 0 }
            #expect(stopped)
            let statistics = server.statistics
            // Not a latency bound (the event loop notices the hang-up later on a loaded machine):
            // the sequence must end well before its max_tokens.
            #expect(statistics.tokensOfCancelledSequences < maxTokens / 2, "generated \(statistics.tokensOfCancelledSequences) tokens after the client left")
            // And the server still serves.
            #expect(try await post(server, "/v1/completions", #"{"prompt": "x", "max_tokens": 2}"#).status == 200)
        }
    }

    @Test func shutdownLetsRequestsInFlightFinish() async throws {
        let server = try await startServer(ServeConfiguration(shutdownGracePeriod: .seconds(60)))
        let request = Task {
            try await post(server, "/v1/completions", #"{"prompt": "Patience", "max_tokens": 300, "temperature": 0, "ignore_eos": true}"#)
        }
        // A wait, not a timing assertion: on a loaded machine the request may take a while to start.
        #expect(await eventually(within: busyMachineWait) { server.statistics.running == 1 || server.statistics.completed == 1 })
        #expect(Self.accepts(port: server.port))
        await server.stop()
        let reply = try await request.value
        #expect(reply.status == 200)
        #expect(try reply.json()["usage"]?["completion_tokens"] == .int(300))
        #expect(server.statistics.completed == 1 && server.statistics.cancelled == 0)
        // Nothing listens any more.
        #expect(!Self.accepts(port: server.port))
    }

    @Test func shutdownCancelsGenerationsAfterTheGracePeriod() async throws {
        let server = try await startServer(ServeConfiguration(shutdownGracePeriod: .milliseconds(100)), model: longGenerationModelDirectory)
        let streaming = Task {
            try await stream(server, "/v1/completions", #"{"prompt": "Forever", "max_tokens": \#(longGenerationTokens), "temperature": 1, "ignore_eos": true, "stream": true}"#)
        }
        #expect(await eventually(within: busyMachineWait) { server.statistics.running == 1 })
        await server.stop()
        let result = try await streaming.value
        // The stream ends properly: the choice finishes with "abort", then [DONE].
        #expect(result.events.last == "[DONE]")
        let (_, finish) = streamedText(try result.chunks())
        #expect(finish?["finish_reason"] == .string("abort"))
        #expect(server.statistics.cancelled == 1)
        #expect(server.statistics.tokensOfCancelledSequences < longGenerationTokens)
    }

    @Test func aStoppedServerNoLongerListens() async throws {
        let server = try await startServer()
        #expect(Self.accepts(port: server.port))
        await server.stop()
        await server.stop()  // a second stop is harmless
        #expect(!Self.accepts(port: server.port))
        let statistics = server.statistics
        #expect(statistics.running == 0 && statistics.queued == 0)
    }
}
