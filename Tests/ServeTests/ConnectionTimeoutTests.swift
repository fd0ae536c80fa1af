// Connections that stop sending are closed: an idle keep-alive connection, a client that sends
// half its headers (slowloris), one that sends half a body, and one that goes on holding the
// connection after its oversized upload got 413. Each test waits for the server to close the
// socket (read returns end of file), with a generous cap so a broken server fails the test
// instead of hanging it; no latency is asserted.

import Foundation
@testable import Serve
import Testing

@Suite struct ConnectionTimeoutTests {
    static let configuration = ServeConfiguration(maxBodyBytes: 64 << 10, idleTimeout: .milliseconds(500))

    /// Sends `parts` over a new connection to a server with the short idle timeout, then reads
    /// until the server closes it (or the 60 s cap ends the read).
    func afterSending(_ parts: [[UInt8]]) async throws -> (RawConnection.Ending, String) {
        try await withServer(Self.configuration) { server in
            let port = server.port
            return try await Task.detached {
                let connection = try RawConnection(port: port)
                for part in parts { connection.send(part) }
                return connection.readUntilClosed()
            }.value
        }
    }

    @Test func halfSentHeadersAreClosed() async throws {
        let (ending, _) = try await afterSending([Array("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le".utf8)])
        #expect(ending == .closedByServer)
    }

    @Test func halfSentBodiesAreClosed() async throws {
        let head = "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        let (ending, _) = try await afterSending([Array((head + "{\"prompt\": ").utf8)])
        #expect(ending == .closedByServer)
    }

    @Test func idleKeepAliveConnectionsAreClosedAfterTheirResponse() async throws {
        let (ending, text) = try await afterSending([Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)])
        #expect(text.hasPrefix("HTTP/1.1 200"), "\(text)")
        #expect(ending == .closedByServer)
    }

    @Test func anOversizedUploadGets413AndItsConnectionIsClosed() async throws {
        // Part of a 20 MB body, then nothing: the client neither finishes nor hangs up.
        let head = "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(20 << 20)\r\n\r\n"
        let (ending, text) = try await afterSending([Array(head.utf8), [UInt8](repeating: UInt8(ascii: " "), count: 256 << 10)])
        #expect(text.hasPrefix("HTTP/1.1 413"), "\(text.prefix(200))")
        #expect(ending == .closedByServer || ending == .reset, "\(ending)")
    }

    @Test func aLongGenerationIsNotIdle() async throws {
        // The wider model's 100 tokens outlast a 100 ms idle timeout on any machine (slower only
        // makes it longer); nothing is written until the end, yet the reply must come back whole.
        // The client waits as long as a loaded machine needs: this asserts no duration.
        let quick = ServeConfiguration(maxBodyBytes: 64 << 10, idleTimeout: .milliseconds(100))
        try await withServer(quick, model: longGenerationModelDirectory) { server in
            let body = #"{"prompt": "Patience", "max_tokens": 100, "temperature": 0, "ignore_eos": true}"#
            let reply = try await send(server, .POST, "/v1/completions", body: body)
            #expect(reply.status == 200)
            #expect(try reply.json()["usage"]?["completion_tokens"] == .int(100))
        }
    }
}
