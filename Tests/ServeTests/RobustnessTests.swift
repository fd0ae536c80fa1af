// The server under abuse, the small version of scripts/bench/serve-robustness.sh: malformed
// requests of every kind (bad JSON and fields over HTTP, protocol garbage and lying headers on raw
// sockets) and connections dropped mid-request never get a 5xx, never stop it, never leave a
// sequence running, and never change an answer.

import Foundation
@testable import Serve
import Testing

@Suite struct RobustnessTests {
    static let fixed = #"{"messages": [{"role": "user", "content": "Name three rivers."}], "max_tokens": 16, "temperature": 0}"#

    /// Raw byte sequences that are not HTTP a server should serve, each on its own connection.
    static let garbage: [[UInt8]] = [
        Array("GET / HTTP/9.9\r\n\r\n".utf8),
        Array("NOT-A-METHOD /v1/models HTTP/1.1\r\nHost: x\r\n\r\n".utf8),
        Array("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{fc}\u{03}\u{03}".utf8),  // a TLS ClientHello's start
        (0..<512).map { UInt8(truncatingIfNeeded: $0 &* 73 &+ 11) },
        Array("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n".utf8),
        Array("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8),
        Array(("GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: " + String(repeating: "a", count: 200_000) + "\r\n\r\n").utf8),
        Array("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\n".utf8)
            + [0xFF, 0xFE, 0xFD, 0xFC],  // a body that is not UTF-8
    ]

    @Test func malformedRequestsAndDroppedConnectionsChangeNothing() async throws {
        try await withServer(ServeConfiguration(maxBatch: 4, maxBodyBytes: 64 << 10, idleTimeout: .seconds(5))) { server in
            let before = try await post(server, "/v1/chat/completions", Self.fixed)
            #expect(before.status == 200)
            let answer = try before.json()["choices"]?.arrayValue?.first?["message"]?["content"]

            // 100 malformed requests: every bad request of ErrorTests over HTTP, in turn.
            for index in 0..<100 {
                let bad = badRequests[index % badRequests.count]
                let reply = try await send(server, .init(rawValue: bad.method), bad.path, body: bad.body)
                #expect(reply.status == bad.status, "\(bad.name)")
            }
            // Protocol garbage on raw sockets: a 4xx or a closed connection, never a 5xx.
            let port = server.port
            for (index, bytes) in Self.garbage.enumerated() {
                let (_, reply) = try await Task.detached {
                    let connection = try RawConnection(port: port, readTimeoutSeconds: 20)
                    connection.send(bytes)
                    return connection.readUntilClosed()
                }.value
                let status = reply.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
                #expect(status == nil || (400..<500).contains(status!), "garbage \(index) got \(reply.prefix(80))")
            }
            // 20 connections dropped mid-request: after half the headers, after the whole request
            // (non-streamed and streamed) before reading, after the first streamed chunk.
            for index in 0..<20 {
                // 0: half the headers; 1: whole request, not streamed; 2: streamed, never read;
                // 3: streamed, first chunk read.
                let streamed = index % 4 >= 2
                let body = #"{"prompt": "Tell a story \#(index)", "max_tokens": 64, "ignore_eos": true, "stream": \#(streamed)}"#
                let request = "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
                try await Task.detached {
                    let connection = try RawConnection(port: port, readTimeoutSeconds: 20)
                    switch index % 4 {
                    case 0: connection.send(String(request.prefix(40)))
                    case 1, 2: connection.send(request)
                    default:
                        connection.send(request)
                        _ = connection.read(until: "data: ")
                    }
                }.value  // The connection closes as it goes out of scope.
            }
            let settled = await eventually(within: 60) { server.statistics.running == 0 && server.statistics.queued == 0 }
            #expect(settled, "sequences still running: \(server.statistics)")
            #expect(try await send(server, .GET, "/health").status == 200)
            let after = try await post(server, "/v1/chat/completions", Self.fixed)
            #expect(try after.json()["choices"]?.arrayValue?.first?["message"]?["content"] == answer)
            let metrics = try await send(server, .GET, "/metrics").text
            #expect(!metrics.contains(#"status="5"#), "a 5xx was answered:\n\(metrics)")
        }
    }
}
