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

    @Test func halfSentHeadersAreClosed() async throws {
        try await withServer(Self.configuration) { server in
            let port = server.port
            let ending = try await Task.detached {
                let connection = try RawConnection(port: port)
                connection.send("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
                return connection.readUntilClosed().0
            }.value
            #expect(ending == .closedByServer)
        }
    }

    @Test func halfSentBodiesAreClosed() async throws {
        try await withServer(Self.configuration) { server in
            let port = server.port
            let ending = try await Task.detached {
                let connection = try RawConnection(port: port)
                connection.send("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"prompt\": ")
                return connection.readUntilClosed().0
            }.value
            #expect(ending == .closedByServer)
        }
    }

    @Test func idleKeepAliveConnectionsAreClosedAfterTheirResponse() async throws {
        try await withServer(Self.configuration) { server in
            let port = server.port
            let (ending, text) = try await Task.detached {
                let connection = try RawConnection(port: port)
                connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                return connection.readUntilClosed()
            }.value
            #expect(text.hasPrefix("HTTP/1.1 200"), "\(text)")
            #expect(ending == .closedByServer)
        }
    }

    @Test func anOversizedUploadGets413AndItsConnectionIsClosed() async throws {
        try await withServer(Self.configuration) { server in
            let port = server.port
            let (ending, text) = try await Task.detached {
                let connection = try RawConnection(port: port)
                let declared = 20 << 20
                connection.send("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(declared)\r\n\r\n")
                // Part of the body, then nothing: the client neither finishes nor hangs up.
                connection.send([UInt8](repeating: UInt8(ascii: " "), count: 256 << 10))
                return connection.readUntilClosed()
            }.value
            #expect(text.hasPrefix("HTTP/1.1 413"), "\(text.prefix(200))")
            #expect(ending == .closedByServer || ending == .reset, "\(ending)")
        }
    }

    @Test func aLongGenerationIsNotIdle() async throws {
        // The wider model's 400 tokens outlast a 100 ms idle timeout many times over; the reply
        // must still come back whole.
        let quick = ServeConfiguration(maxBodyBytes: 64 << 10, idleTimeout: .milliseconds(100))
        try await withServer(quick, model: longGenerationModelDirectory) { server in
            let reply = try await post(server, "/v1/completions", #"{"prompt": "Patience", "max_tokens": 400, "temperature": 0, "ignore_eos": true}"#)
            #expect(reply.status == 200)
            #expect(try reply.json()["usage"]?["completion_tokens"] == .int(400))
        }
    }
}
