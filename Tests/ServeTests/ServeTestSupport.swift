// Shared fixtures of the server tests: a tiny random model written once per test process, servers
// on ephemeral loopback ports, an HTTP client, and a server-sent-events parser that reads a stream
// the way OpenAI clients do (events separated by blank lines, `data:` fields).

import AsyncHTTPClient
import Basics
import Engine
import Foundation
import NIOCore
import NIOHTTP1
@testable import Serve
import Testing

/// The tiny model's directory (context 2048).
let tinyModelDirectory = sharedDemoModel(DemoModelSpec(contextLength: 2048), name: "iopo-serve-tests-tiny-2048")

/// The demo model of `spec`, written once per machine (see `DemoModel.cached`).
func sharedDemoModel(_ spec: DemoModelSpec, name: String) -> URL {
    try! DemoModel.cached(spec, name: name)
}

/// A wider model with a 16K context, for the tests that need a generation still running when
/// something happens to it (a hang-up, a shutdown): its 16,000-token sequences take far longer
/// than any cancellation, however fast or loaded the machine, where the tiny model can finish
/// 1,900 tokens before a loaded event loop notices anything.
let longGenerationModelDirectory = sharedDemoModel(
    DemoModelSpec(hiddenSize: 128, layers: 4, attentionHeads: 4, keyValueHeads: 2, intermediateSize: 256, contextLength: 16384),
    name: "iopo-serve-tests-long-16384")
let longGenerationTokens = 16000

let servedName = "tiny"

func loadTinyModel(directory: URL = tinyModelDirectory) throws -> ServedModel {
    try ServedModel.load(directory: directory, name: servedName)
}

func startServer(_ configuration: ServeConfiguration = ServeConfiguration(maxBodyBytes: 64 << 10),
                 model directory: URL = tinyModelDirectory) async throws -> OpenAIServer {
    try await OpenAIServer.start(model: loadTinyModel(directory: directory), configuration: configuration)
}

/// Starts a server, runs `body`, and stops the server whatever happens.
func withServer<T>(_ configuration: ServeConfiguration = ServeConfiguration(maxBodyBytes: 64 << 10),
                   model directory: URL = tinyModelDirectory,
                   _ body: (OpenAIServer) async throws -> T) async throws -> T {
    let server = try await startServer(configuration, model: directory)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// How long a test's HTTP exchange may take before it counts as hung. A guard against hangs, not
/// a timing assertion: in the full parallel suite on two cores, CPU-bound tests hold the
/// cooperative pool for minutes: the 100 KB chunked 413 upload once missed a 120 s deadline in a
/// local full run (`HTTPClientError.deadlineExceeded`), and the 8 MB one failed in CI under the
/// same deadline (its message was not kept).
let hangGuard: TimeAmount = .seconds(1800)

/// A finished HTTP exchange.
struct HTTPResult {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    func json() throws -> JSONValue { try JSONParser.parse(bytes: body, options: .interchange) }
}

func send(_ server: OpenAIServer, _ method: HTTPMethod, _ path: String, body: String? = nil,
          chunked: Bool = false, timeout: TimeAmount = hangGuard) async throws -> HTTPResult {
    var request = HTTPClientRequest(url: server.address + path)
    request.method = method
    if let body {
        request.headers.add(name: "Content-Type", value: "application/json")
        let bytes = Array(body.utf8)
        if chunked {
            // No Content-Length: the server must stop reading at its limit on its own.
            // 16 KiB parts: several per limit, and few enough hops through a starved pool.
            let parts = stride(from: 0, to: bytes.count, by: 16 << 10).map { ByteBuffer(bytes: bytes[$0..<min($0 + (16 << 10), bytes.count)]) }
            let source = AsyncStream<ByteBuffer> { continuation in
                for part in parts { continuation.yield(part) }
                continuation.finish()
            }
            request.body = .stream(source, length: .unknown)
        } else {
            request.body = .bytes(ByteBuffer(bytes: bytes))
        }
    }
    let response = try await HTTPClient.shared.execute(request, timeout: timeout)
    var buffer = try await response.body.collect(upTo: 64 << 20)
    return HTTPResult(status: Int(response.status.code), headers: response.headers,
                      body: buffer.readBytes(length: buffer.readableBytes) ?? [])
}

func post(_ server: OpenAIServer, _ path: String, _ body: String) async throws -> HTTPResult {
    try await send(server, .POST, path, body: body)
}

/// Reads server-sent events as a client does: lines ending in \n, events ended by a blank line,
/// the `data` field's lines joined by \n.
struct SSEParser {
    private var buffer: [UInt8] = []
    private var dataLines: [String] = []

    mutating func feed(_ bytes: [UInt8]) -> [String] {
        buffer.append(contentsOf: bytes)
        var events: [String] = []
        while let newline = buffer.firstIndex(of: 0x0A) {
            var line = String(decoding: buffer[..<newline], as: UTF8.self)
            buffer.removeSubrange(...newline)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty {
                if !dataLines.isEmpty { events.append(dataLines.joined(separator: "\n")) }
                dataLines.removeAll()
            } else if line.hasPrefix("data:") {
                var value = String(line.dropFirst(5))
                if value.hasPrefix(" ") { value.removeFirst() }
                dataLines.append(value)
            }
        }
        return events
    }

    /// Bytes received after the last complete line (a well-formed stream leaves none).
    var leftover: Int { buffer.count + dataLines.count }
}

/// A streamed response: status, content type and the data of every event, in order.
struct StreamResult {
    var status: Int
    var contentType: String?
    var events: [String]
    var leftover: Int

    /// The JSON chunks (every event but the final [DONE]).
    func chunks() throws -> [JSONValue] { try events.filter { $0 != "[DONE]" }.map { try JSONParser.parse($0, options: .interchange) } }
}

func stream(_ server: OpenAIServer, _ path: String, _ body: String) async throws -> StreamResult {
    var request = HTTPClientRequest(url: server.address + path)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(string: body))
    let response = try await HTTPClient.shared.execute(request, timeout: hangGuard)
    var parser = SSEParser()
    var events: [String] = []
    for try await var part in response.body {
        events += parser.feed(part.readBytes(length: part.readableBytes) ?? [])
    }
    return StreamResult(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"),
                        events: events, leftover: parser.leftover)
}

/// The text of a choice of a (non-streamed) completion or chat completion.
func choiceText(_ document: JSONValue, _ index: Int = 0) -> String? {
    guard let choice = document["choices"]?.arrayValue?.first(where: { $0["index"]?.intValue == index }) else { return nil }
    return choice["message"]?["content"]?.stringValue ?? choice["text"]?.stringValue
}

/// The concatenated deltas of a choice of a stream, and its finish chunk.
func streamedText(_ chunks: [JSONValue], _ index: Int = 0) -> (text: String, finish: JSONValue?) {
    var text = ""
    var finish: JSONValue?
    for chunk in chunks {
        for choice in chunk["choices"]?.arrayValue ?? [] where choice["index"]?.intValue == index {
            text += choice["delta"]?["content"]?.stringValue ?? choice["text"]?.stringValue ?? ""
            if let reason = choice["finish_reason"], !reason.isNull { finish = choice }
        }
    }
    return (text, finish)
}

/// A JSON string literal for `text` (for building request bodies).
func quoted(_ text: String) -> String {
    JSONWriter.canonical.string(.string(text))
}

/// How long a test waits for something a busy machine is slow to start (a request running, the
/// pool's threads taken): only a failing test waits this long. Long, because the other suites'
/// synchronous tests each hold one of the few cooperative threads for minutes when the machine
/// is oversubscribed (a CI clone, a build and a training run on 2 cores failed at 120 and 300 s).
let busyMachineWait: Double = 900

/// Polls `condition` every 10 ms until it holds or `seconds` pass.
func eventually(within seconds: Double, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
