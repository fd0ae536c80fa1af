// Connections that stop sending are closed: an idle keep-alive connection, a client that sends
// half its headers (slowloris), one that sends half a body, and one that goes on holding the
// connection after its oversized upload got 413. Each test waits for the server to close the
// socket (read returns end of file), with a generous cap so a broken server fails the test
// instead of hanging it; no latency is asserted.

import Foundation
@testable import Serve
import Testing

@Suite struct ConnectionTimeoutTests {
    /// A raw loopback TCP connection, for requests no HTTP client would send.
    final class RawConnection {
        let descriptor: Int32

        init(port: Int) throws {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw POSIXError(.EIO) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { close(descriptor); throw POSIXError(.ECONNREFUSED) }
            // The cap on every read: far beyond the test's idle timeout, so it only ends a hang.
            var cap = timeval(tv_sec: 60, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &cap, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(descriptor) }

        func send(_ text: String) { send(Array(text.utf8)) }

        func send(_ bytes: [UInt8]) {
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written <= 0 { return }
                offset += written
            }
        }

        enum Ending: Equatable { case closedByServer, timedOut, reset }

        /// Reads until the server closes the connection; everything read comes back too.
        func readUntilClosed() -> (Ending, String) {
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 { received.append(contentsOf: buffer[0..<count]); continue }
                let text = String(decoding: received, as: UTF8.self)
                if count == 0 { return (.closedByServer, text) }
                return (errno == EAGAIN || errno == EWOULDBLOCK ? .timedOut : .reset, text)
            }
        }
    }

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
