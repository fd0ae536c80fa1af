// Starting and stopping the server in-process: bind (port 0 picks a free port), report the bound
// address, and shut down gracefully — stop accepting connections, let requests in flight finish,
// cancel generations still running after a grace period, then stop the engine workers. The CLI
// (`iopo-exp serve`), the evaluation harness (`iopo-exp eval --model-dir`) and the pipeline's serve
// step all start the server through `OpenAIServer.start`.

import Basics
import Dispatch
import Engine
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Settings of an `OpenAIServer`.
public struct ServeConfiguration: Sendable, Equatable {
    /// Address to bind; loopback by default, so nothing is exposed unless asked.
    public var host: String
    /// 0 picks a free port.
    public var port: Int
    /// Most sequences generated at once (one continuous batch); more wait in the queue.
    public var maxBatch: Int
    /// Most sequences waiting; beyond this requests get 429.
    public var maxQueued: Int
    /// Prompt positions whose keys and values are kept for reuse by prompts that start the same
    /// way (0 turns prefix reuse off). Each position costs layers × 2 × kv-heads × head-dim floats.
    public var prefixCacheTokens: Int
    /// Largest request body accepted; larger bodies get 413.
    public var maxBodyBytes: Int
    /// How long a shutdown lets generations in flight finish before cancelling them.
    public var shutdownGracePeriod: Duration
    /// Log level of the HTTP layer (Hummingbird), `warning` by default.
    public var logLevel: Logger.Level
    /// How long a connection may go without a complete request part read or a response written
    /// before the server closes it: an idle keep-alive connection, a client that sends half its
    /// headers and stops, a body left unsent after a 413. A response being written (a long
    /// generation streaming) never counts as idle.
    public var idleTimeout: Duration

    public init(host: String = "127.0.0.1", port: Int = 0, maxBatch: Int = 16, maxQueued: Int = 4096,
                prefixCacheTokens: Int = 4096, maxBodyBytes: Int = 4 << 20, shutdownGracePeriod: Duration = .seconds(30), logLevel: Logger.Level = .warning,
                idleTimeout: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.maxBatch = maxBatch
        self.maxQueued = maxQueued
        self.prefixCacheTokens = prefixCacheTokens
        self.maxBodyBytes = maxBodyBytes
        self.shutdownGracePeriod = shutdownGracePeriod
        self.logLevel = logLevel
        self.idleTimeout = idleTimeout
    }

    func validate() throws(ServeError) {
        if port < 0 || port > 65535 { throw .invalidSetting(field: "port", detail: "\(port) is not in 0...65535") }
        if maxBatch < 1 || maxBatch > 256 { throw .invalidSetting(field: "max-batch", detail: "\(maxBatch) is not in 1...256") }
        if maxQueued < 1 { throw .invalidSetting(field: "max-queued", detail: "must be at least 1, got \(maxQueued)") }
        if prefixCacheTokens < 0 { throw .invalidSetting(field: "prefix-cache-tokens", detail: "must not be negative, got \(prefixCacheTokens)") }
        if maxBodyBytes < 1024 { throw .invalidSetting(field: "max-body-bytes", detail: "must be at least 1024, got \(maxBodyBytes)") }
        if shutdownGracePeriod < .zero { throw .invalidSetting(field: "shutdown-grace-period", detail: "must not be negative") }
        if idleTimeout <= .zero { throw .invalidSetting(field: "idle-timeout", detail: "must be positive") }
    }
}

/// A running OpenAI-compatible server over one model. Its engine thread lives until `stop()`:
/// every server started must be stopped.
public final class OpenAIServer: Sendable {
    /// The bound host and port (the actual port when 0 was asked for).
    public let host: String
    public let port: Int
    public let model: ServedModel
    private let configuration: ServeConfiguration
    private let scheduler: GenerationScheduler
    private let group: ServiceGroup
    private let runTask: Task<Void, Error>
    private let stopState = Mutex(false)

    /// `http://HOST:PORT`.
    public var address: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
    /// The OpenAI base URL clients use: `http://HOST:PORT/v1`.
    public var baseURL: String { address + "/v1" }

    /// What the engine has done so far (for monitoring and tests).
    public var statistics: SchedulerStatistics { scheduler.statistics }

    private init(host: String, port: Int, model: ServedModel, configuration: ServeConfiguration,
                 scheduler: GenerationScheduler, group: ServiceGroup, runTask: Task<Void, Error>) {
        self.host = host
        self.port = port
        self.model = model
        self.configuration = configuration
        self.scheduler = scheduler
        self.group = group
        self.runTask = runTask
    }

    /// Starts serving `model` and returns once the socket listens.
    public static func start(model: ServedModel, configuration: ServeConfiguration = ServeConfiguration()) async throws(ServeError) -> OpenAIServer {
        try configuration.validate()
        let scheduler = GenerationScheduler(model: model, maxBatch: configuration.maxBatch, maxQueued: configuration.maxQueued,
                                            prefixCacheTokens: configuration.prefixCacheTokens)
        let responder = OpenAIResponder(model: model, scheduler: scheduler, maxBodyBytes: configuration.maxBodyBytes)
        var logger = Logger(label: "iopo-exp.serve")
        logger.logLevel = configuration.logLevel
        let (bound, boundContinuation) = AsyncStream.makeStream(of: Int.self)
        let (seconds, attoseconds) = configuration.idleTimeout.components
        let idleTimeout = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        let application = Application(
            responder: responder,
            server: .http1(configuration: .init(idleTimeout: idleTimeout)),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                boundContinuation.yield(channel.localAddress?.port ?? -1)
                boundContinuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [application], logger: logger))
        // The server, and every connection and handler task under it, runs on the server
        // executor's own threads: a busy cooperative pool (CPU-bound callers in the same process)
        // cannot keep it from answering.
        let runTask = Task<Void, Error>(executorPreference: DedicatedThreadExecutor.servers) {
            defer { boundContinuation.finish() }
            try await group.run()
        }
        var iterator = bound.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            let detail: String
            do {
                try await runTask.value
                detail = "the server stopped before it listened"
            } catch {
                detail = "\(error)"
            }
            scheduler.shutdown(cancelRunning: true)
            throw .bindFailed(host: configuration.host, port: configuration.port, detail: detail)
        }
        return OpenAIServer(host: configuration.host, port: port, model: model, configuration: configuration,
                            scheduler: scheduler, group: group, runTask: runTask)
    }

    /// Loads a Hugging Face model directory (and a PEFT adapter, if given) and serves it: the
    /// one call a pipeline step needs. Stop the server with `stop()`.
    public static func start(modelDirectory: URL, adapter: URL? = nil, name: String? = nil,
                             configuration: ServeConfiguration = ServeConfiguration()) async throws(ServeError) -> OpenAIServer {
        let model = try ServedModel.load(directory: modelDirectory, adapter: adapter, name: name)
        return try await start(model: model, configuration: configuration)
    }

    /// Shuts down gracefully: no new connections; requests in flight finish, and generations
    /// still running after the grace period are cancelled (their streams end with finish_reason
    /// "abort"). Returns when the server and its engine thread have stopped. Calling it again
    /// waits for the first call's shutdown.
    public func stop() async {
        let first = stopState.withLock { stopping -> Bool in
            defer { stopping = true }
            return !stopping
        }
        if first {
            let scheduler = self.scheduler
            let grace = configuration.shutdownGracePeriod
            let deadline = Task {
                try await Task.sleep(for: grace)
                scheduler.cancelRunningSequences()
            }
            await group.triggerGracefulShutdown()
            _ = try? await runTask.value
            deadline.cancel()
            await Task.detached { scheduler.shutdown(cancelRunning: true) }.value
        } else {
            _ = try? await runTask.value
        }
    }

    /// Cancels every generation in flight at once (a second Ctrl-C).
    public func cancelGenerations() {
        scheduler.cancelRunningSequences()
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully; a second signal cancels the
    /// generations still running. For the CLI.
    public func runUntilSignalled() async {
        let signals = [SIGINT, SIGTERM]
        let (received, continuation) = AsyncStream.makeStream(of: Int32.self)
        let queue = DispatchQueue(label: "iopo-exp.serve.signals")
        var sources: [any DispatchSourceSignal] = []
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        var iterator = received.makeAsyncIterator()
        _ = await iterator.next()
        let stopping = Task { await self.stop() }
        let escalation = Task {
            var rest = iterator
            if await rest.next() != nil { self.cancelGenerations() }
        }
        await stopping.value
        escalation.cancel()
        continuation.finish()
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }
}
