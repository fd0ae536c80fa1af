// Every way a request can be wrong gets the right status and an OpenAI-shaped error body, and the
// server keeps serving afterwards.

import Engine
import Foundation
@testable import Serve
import Testing

/// A bad request and what the server must answer.
struct BadRequest: Sendable, CustomStringConvertible {
    var name: String
    var method: String = "POST"
    var path: String = "/v1/chat/completions"
    var body: String?
    var status: Int
    var param: String?
    var messageContains: String?

    var description: String { name }
}

let chat = #""messages": [{"role": "user", "content": "hi"}]"#

let badRequests: [BadRequest] = [
    BadRequest(name: "invalid JSON", body: #"{"messages": [}"#, status: 400, messageContains: "not valid JSON"),
    BadRequest(name: "empty body", body: "", status: 400, messageContains: "not valid JSON"),
    BadRequest(name: "not an object", body: "[1, 2]", status: 400, messageContains: "JSON object"),
    BadRequest(name: "max_tokens of the wrong type", body: "{\(chat), \"max_tokens\": \"ten\"}", status: 400, param: "max_tokens"),
    BadRequest(name: "fractional max_tokens", body: "{\(chat), \"max_tokens\": 2.5}", status: 400, param: "max_tokens"),
    BadRequest(name: "zero max_tokens", body: "{\(chat), \"max_tokens\": 0}", status: 400, param: "max_tokens"),
    BadRequest(name: "temperature of the wrong type", body: "{\(chat), \"temperature\": \"hot\"}", status: 400, param: "temperature"),
    BadRequest(name: "negative temperature", body: "{\(chat), \"temperature\": -1}", status: 400, param: "temperature"),
    BadRequest(name: "top_p zero", body: "{\(chat), \"top_p\": 0}", status: 400, param: "top_p"),
    BadRequest(name: "top_k below -1", body: "{\(chat), \"top_k\": -2}", status: 400, param: "top_k"),
    BadRequest(name: "n zero", body: "{\(chat), \"n\": 0}", status: 400, param: "n"),
    BadRequest(name: "n too large", body: "{\(chat), \"n\": 1000}", status: 400, param: "n"),
    BadRequest(name: "stream not a boolean", body: "{\(chat), \"stream\": \"yes\"}", status: 400, param: "stream"),
    BadRequest(name: "stream_options without stream", body: "{\(chat), \"stream_options\": {\"include_usage\": true}}", status: 400, param: "stream_options"),
    BadRequest(name: "stop of the wrong type", body: "{\(chat), \"stop\": 5}", status: 400, param: "stop"),
    BadRequest(name: "empty stop string", body: "{\(chat), \"stop\": [\"\"]}", status: 400, param: "stop"),
    BadRequest(name: "seed of the wrong type", body: "{\(chat), \"seed\": \"s\"}", status: 400, param: "seed"),
    BadRequest(name: "missing messages", body: #"{"model": "tiny"}"#, status: 400, param: "messages"),
    BadRequest(name: "empty messages", body: #"{"messages": []}"#, status: 400, param: "messages"),
    BadRequest(name: "message without role", body: #"{"messages": [{"content": "hi"}]}"#, status: 400, param: "messages[0].role"),
    BadRequest(name: "unsupported role", body: #"{"messages": [{"role": "tool", "content": "hi"}]}"#, status: 400, param: "messages[0].role"),
    BadRequest(name: "image content", body: #"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}"#,
               status: 400, param: "messages[0].content"),
    BadRequest(name: "top_p that is 0 as a float", body: "{\(chat), \"top_p\": 1e-300}", status: 400, param: "top_p"),
    BadRequest(name: "user message without content", body: #"{"messages": [{"role": "user"}]}"#, status: 400, param: "messages[0].content"),
    BadRequest(name: "min_p", body: "{\(chat), \"min_p\": 0.5}", status: 400, param: "min_p"),
    BadRequest(name: "stop_token_ids", body: "{\(chat), \"stop_token_ids\": [5]}", status: 400, param: "stop_token_ids"),
    BadRequest(name: "special tokens kept", body: "{\(chat), \"skip_special_tokens\": false}", status: 400, param: "skip_special_tokens"),
    BadRequest(name: "top_logprobs without logprobs", body: "{\(chat), \"top_logprobs\": 2}", status: 400, param: "top_logprobs"),
    BadRequest(name: "too many top_logprobs", body: "{\(chat), \"logprobs\": true, \"top_logprobs\": 21}", status: 400, param: "top_logprobs"),
    BadRequest(name: "logprobs of the wrong type", body: "{\(chat), \"logprobs\": 3}", status: 400, param: "logprobs"),
    BadRequest(name: "echo on chat", body: "{\(chat), \"echo\": true}", status: 400, param: "echo"),
    BadRequest(name: "presence penalty", body: "{\(chat), \"presence_penalty\": 0.5}", status: 400, param: "presence_penalty"),
    BadRequest(name: "unknown model", body: "{\"model\": \"gpt-4\", \(chat)}", status: 404, param: "model", messageContains: "gpt-4"),
    BadRequest(name: "max_tokens over the context", body: "{\(chat), \"max_tokens\": 5000}", status: 400, param: "max_tokens",
               messageContains: "maximum context length is 2048"),
    BadRequest(name: "prompt longer than the context", path: "/v1/completions",
               body: "{\"prompt\": \(quoted(String(repeating: "lorem ipsum ", count: 1500)))}", status: 400, param: "prompt",
               messageContains: "maximum context length"),
    BadRequest(name: "token id outside the vocabulary", path: "/v1/completions", body: #"{"prompt": [1, 2, 999999]}"#, status: 400, param: "prompt"),
    BadRequest(name: "empty prompt", path: "/v1/completions", body: #"{"prompt": ""}"#, status: 400, param: "prompt"),
    BadRequest(name: "prompt of the wrong type", path: "/v1/completions", body: #"{"prompt": {"text": "x"}}"#, status: 400, param: "prompt"),
    BadRequest(name: "missing prompt", path: "/v1/completions", body: #"{"max_tokens": 3}"#, status: 400, param: "prompt"),
    BadRequest(name: "too many logprobs", path: "/v1/completions", body: #"{"prompt": "x", "logprobs": 21}"#, status: 400, param: "logprobs"),
    BadRequest(name: "streamed echo with logprobs", path: "/v1/completions",
               body: #"{"prompt": "x", "echo": true, "logprobs": 1, "stream": true}"#, status: 400, param: "echo"),
    BadRequest(name: "no completion without echo", path: "/v1/completions", body: #"{"prompt": "x", "max_tokens": 0}"#,
               status: 400, param: "max_tokens"),
    BadRequest(name: "unknown route", method: "GET", path: "/v1/embeddings", status: 404),
    BadRequest(name: "root path", method: "GET", path: "/", status: 404),
    BadRequest(name: "GET on a POST route", method: "GET", path: "/v1/chat/completions", status: 405),
    BadRequest(name: "POST on a GET route", path: "/v1/models", body: "{}", status: 405),
    BadRequest(name: "body over the limit", body: "{\(chat), \"pad\": \(quoted(String(repeating: "x", count: 70_000)))}", status: 413),
]

@Suite struct ErrorTests {
    @Test(arguments: badRequests)
    func badRequestGetsAnOpenAIErrorAndTheServerCarriesOn(_ bad: BadRequest) async throws {
        try await withServer { server in
            let reply = try await send(server, .init(rawValue: bad.method), bad.path, body: bad.body)
            #expect(reply.status == bad.status, "\(bad.name): \(reply.text)")
            #expect(reply.headers.first(name: "Content-Type") == "application/json")
            let error = try #require(try reply.json()["error"], "\(bad.name): \(reply.text)")
            #expect(error["code"] == .int(bad.status))
            #expect(error["type"]?.stringValue?.isEmpty == false)
            #expect(error["message"]?.stringValue?.isEmpty == false)
            if let param = bad.param { #expect(error["param"] == .string(param), "\(bad.name)") } else { #expect(error["param"] == .null) }
            if let fragment = bad.messageContains {
                #expect(error["message"]?.stringValue?.contains(fragment) == true, "\(bad.name): \(reply.text)")
            }
            // Still serving.
            let next = try await post(server, "/v1/chat/completions", "{\(chat), \"max_tokens\": 2}")
            #expect(next.status == 200)
        }
    }

    /// A full queue answers 429 with Retry-After and an OpenAI-shaped body; the server carries on.
    @Test func aFullQueueIs429WithRetryAfter() async throws {
        try await withServer(ServeConfiguration(maxBatch: 1, maxQueued: 1)) { server in
            let long = #"{"prompt": "busy", "max_tokens": 400, "ignore_eos": true, "temperature": 0}"#
            // One running, one queued, then every further request is refused until they finish.
            let results = try await withThrowingTaskGroup(of: HTTPResult.self) { group in
                for _ in 0..<12 { group.addTask { try await post(server, "/v1/completions", long) } }
                var results: [HTTPResult] = []
                for try await result in group { results.append(result) }
                return results
            }
            let refused = results.filter { $0.status == 429 }
            #expect(results.filter { $0.status == 200 }.count >= 2, "\(results.map(\.status))")
            #expect(!refused.isEmpty, "\(results.map(\.status))")
            for result in refused {
                #expect(result.headers.first(name: "Retry-After") == "1")
                let error = try result.json()["error"]
                #expect(error?["type"]?.stringValue == "RateLimitError" && error?["code"]?.intValue == 429)
                #expect(error?["message"]?.stringValue?.contains("queued (limit 1)") == true)
            }
            let after = try await post(server, "/v1/completions", #"{"prompt": "again", "max_tokens": 2}"#)
            #expect(after.status == 200)
        }
    }

    @Test func chunkedBodyOverTheLimitIs413() async throws {
        // Without Content-Length the server must count bytes itself and stop at the limit. The
        // idle timeout is not under test here: a client slowed down by a loaded machine can take
        // longer than the default to read the 413 while its upload is stalled.
        try await withServer(ServeConfiguration(maxBodyBytes: 64 << 10, idleTimeout: .seconds(3600))) { server in
            let body = "{\(chat), \"pad\": \(quoted(String(repeating: "y", count: 100_000)))}"
            let reply = try await send(server, .POST, "/v1/chat/completions", body: body, chunked: true)
            #expect(reply.status == 413)
            #expect(try reply.json()["error"]?["code"] == .int(413))
            #expect(reply.headers["connection"] == ["close"], "\(reply.headers)")
            #expect(try await post(server, "/v1/chat/completions", "{\(chat), \"max_tokens\": 2}").status == 200)
        }
    }

    @Test func aChunkedBodyFarOverTheLimitIs413Too() async throws {
        // 8 MB against a 64 KiB limit: most of the upload is still to come when the 413 is
        // written. Sent over a raw socket, because an HTTP client is not what is under test:
        // async-http-client, told to close while its upload streams, once failed the request
        // with "I/O on closed channel" instead of returning the 413 it had received. Asserted:
        // the 413 arrives while the server reads the rest, and the server serves the next
        // request. Not asserted (a loopback drain of 8 MB is too quick to tell apart): that a
        // client told to close stops sending rather than the server draining the rest.
        try await withServer(ServeConfiguration(maxBodyBytes: 64 << 10, idleTimeout: .seconds(3600))) { server in
            let body = Array("{\(chat), \"pad\": \(quoted(String(repeating: "y", count: 8 << 20)))}".utf8)
            let port = server.port
            let head = try await Task.detached {
                let connection = try RawConnection(port: port, readTimeoutSeconds: 1800)
                connection.send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n")
                for start in stride(from: 0, to: body.count, by: 64 << 10) {
                    let part = body[start..<min(start + (64 << 10), body.count)]
                    connection.send(Array(String(part.count, radix: 16).utf8) + [13, 10] + part + [13, 10])
                }
                connection.send("0\r\n\r\n")
                return connection.read(until: "\r\n\r\n")
            }.value
            #expect(head.hasPrefix("HTTP/1.1 413"), "\(head)")
            #expect(head.lowercased().contains("connection: close"), "\(head)")
            #expect(try await post(server, "/v1/chat/completions", "{\(chat), \"max_tokens\": 2}").status == 200)
        }
    }

    @Test func everyBadRequestInARowOnOneServer() async throws {
        // The same requests back to back on one server: none of them leaves it broken.
        try await withServer { server in
            for bad in badRequests {
                let reply = try await send(server, .init(rawValue: bad.method), bad.path, body: bad.body)
                #expect(reply.status == bad.status, "\(bad.name)")
            }
            let next = try await post(server, "/v1/completions", #"{"prompt": "ok", "max_tokens": 3, "ignore_eos": true}"#)
            #expect(try next.json()["usage"]?["completion_tokens"] == .int(3))
            #expect(server.statistics.running == 0 && server.statistics.queued == 0)
        }
    }
}
