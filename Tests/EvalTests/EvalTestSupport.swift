// Fixtures of the evaluation tests: our server on a tiny random model, scriptable fake
// OpenAI-compatible endpoints (a model that answers what the test wants, a judge that scores
// well-formed or badly), and small synthetic TRACE and IFEval files.

import Basics
@testable import Eval
import Foundation
import Hummingbird
import Logging
import NIOCore
import Serve
import ServiceLifecycle
import Synchronization
import Testing
import Trace
import TestKit

/// The tiny model's directory (context 2048).
let tinyModelDirectory = sharedDemoModel(DemoModelSpec(contextLength: 2048), name: "iopo-eval-tests-tiny-2048")

/// The demo model of `spec`, written once per machine (see `DemoModel.cached`).
func sharedDemoModel(_ spec: DemoModelSpec, name: String) -> URL {
    try! DemoModel.cached(spec, name: name)
}

func startTinyServer() async throws -> OpenAIServer {
    try await OpenAIServer.start(model: ServedModel.load(directory: tinyModelDirectory, name: "tiny"),
                                 configuration: ServeConfiguration(maxBatch: 3))
}

/// The synthetic in-domain evaluation split.
let synthetic: SyntheticDataset = try! SyntheticTrace.generate(
    SyntheticTraceConfig(seed: 5, trainQuadruples: 1, evalInDomain: 10, evalOutOfDomain: 1, maxConstraints: 4, maxConstraintsOutOfDomain: 4))

/// Writes the synthetic eval records as TRACE JSONL.
func writeSyntheticTrace(to url: URL, withChecks: Bool = true) throws {
    let lines = synthetic.evalInDomain.map { item -> String in
        var record = item.evalRecord
        if !withChecks { record.checks = nil }
        return record.jsonLine
    }
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
}

/// Three IFEval prompts with easily checked instructions.
let ifevalLines = [
    #"{"key": 1, "prompt": "Write without commas.", "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}"#,
    #"{"key": 2, "prompt": "Give it a title.", "instruction_id_list": ["detectable_format:title"], "kwargs": [{}]}"#,
    #"{"key": 3, "prompt": "Lowercase, no commas.", "instruction_id_list": ["change_case:english_lowercase", "punctuation:no_comma"], "kwargs": [{}, {}]}"#,
]

func writeIFEval(to url: URL) throws {
    try Data((ifevalLines.joined(separator: "\n") + "\n").utf8).write(to: url)
}

/// A chat completion body with `content`.
func chatCompletionBody(_ content: String) -> String {
    CanonicalJSON.line(.object([
        "id": .string("chatcmpl-test"),
        "object": .string("chat.completion"),
        "choices": .array([.object([
            "index": .int(0),
            "message": .object(["role": .string("assistant"), "content": .string(content)]),
            "finish_reason": .string("stop"),
        ])]),
        "usage": .object(["prompt_tokens": .int(1), "completion_tokens": .int(1),
                                       "total_tokens": .int(2)]),
    ]))
}

/// An OpenAI-compatible endpoint whose answers the test scripts: `handler` gets the parsed chat
/// request and returns a status and body.
final class FakeEndpoint: Sendable {
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, Error>
    private let requestCount: LockedBox<Int>

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    var requests: Int { requestCount.value }

    private init(port: Int, group: ServiceGroup, task: Task<Void, Error>, requestCount: LockedBox<Int>) {
        self.port = port
        self.group = group
        self.task = task
        self.requestCount = requestCount
    }

    static func start(_ handler: @escaping @Sendable (_ request: JSONValue) -> (status: Int, body: String)) async throws -> FakeEndpoint {
        let counter = LockedBox(0)
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            var buffer = try await request.body.collect(upTo: 16 << 20)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            counter.update { $0 += 1 }
            let parsed = (try? JSONParser.parse(bytes: bytes)) ?? .null
            let (status, body) = handler(parsed)
            return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
        let (bound, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "fake-endpoint")
        logger.logLevel = .critical
        let application = Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                      onServerRunning: { channel in
                                          continuation.yield(channel.localAddress?.port ?? 0)
                                          continuation.finish()
                                      }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        let task = Task { try await group.run() }
        var iterator = bound.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        return FakeEndpoint(port: port, group: group, task: task, requestCount: counter)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// A value behind a lock.
final class LockedBox<Value: Sendable>: Sendable {
    private let stored: Mutex<Value>
    init(_ value: Value) { stored = Mutex(value) }
    var value: Value { stored.withLock { $0 } }
    func update(_ body: (inout Value) -> Void) { stored.withLock { body(&$0) } }
}

/// The user message of a chat request.
func userMessage(_ request: JSONValue) -> String {
    request["messages"]?.arrayValue?.last(where: { $0["role"]?.stringValue == "user" })?["content"]?.stringValue ?? ""
}

func readLines(_ url: URL) throws -> [String] {
    String(decoding: try Data(contentsOf: url), as: UTF8.self).split(separator: "\n").map(String.init)
}

func bytes(_ url: URL) throws -> Data { try Data(contentsOf: url) }
