import ArgumentParser
import Engine
import Foundation
import Serve

/// `iopo-exp serve MODEL`: the OpenAI-compatible server over the bundled engine. MODEL is a
/// Hugging Face directory, a GGUF file or a stored model id, as for every model command.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a model (Hugging Face directory, GGUF file or stored id) over an OpenAI-compatible HTTP API.",
        discussion: """
            Endpoints: GET /v1/models, POST /v1/completions (with logprobs and echo), POST \
            /v1/chat/completions (the model's own chat template; logprobs, top_logprobs), GET /health, \
            GET /metrics (Prometheus). Prints `listening on http://HOST:PORT` on stdout once the socket \
            listens (--port 0 picks a free port). Continuous batching: up to --max-batch sequences \
            advance together, one batched step per token, a new request's prompt fed in chunks between \
            steps; the rest wait in the queue. Prompts that start like one seen recently reuse its keys and \
            values (--prefix-cache-tokens). A request's output is bit-identical alone or among \
            others (batch-invariant kernels; docs/serving.md). Requests without a seed use seed 0. SIGINT/SIGTERM shut down gracefully (a second one cancels generations).
            """)

    @Argument(help: "The model: a Hugging Face directory (config.json, model.safetensors, tokenizer.json), a GGUF file or a stored id.")
    var modelDirectory: String
    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "A PEFT LoRA adapter directory to apply on top.") var adapter: String?
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind; 0 picks a free one.") var port = 0
    @Option(help: "The model name clients request (default: MODEL_DIR as given).") var servedModelName: String?
    @Option(help: "Most sequences generated at once (one batched step); more requests wait in the queue.") var maxBatch = 16
    @Option(help: "Prompt positions whose keys and values are kept so prompts sharing a prefix reuse them (0: off).") var prefixCacheTokens = 4096
    @Option(help: "Largest request body in bytes; larger ones get 413.") var maxBodyBytes = 4 << 20
    @Option(help: "Seconds a shutdown waits for generations in flight before cancelling them.") var shutdownGraceSeconds = 30.0
    @Option(help: "OpenBLAS threads (default: OpenBLAS's own choice, or OPENBLAS_NUM_THREADS).") var threads: Int?
    @Option(help: "Seconds a connection may stay idle (no request part read, no response written) before it is closed; half-sent requests count as idle.") var idleTimeoutSeconds = 30.0

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard shutdownGraceSeconds >= 0, shutdownGraceSeconds <= 86_400 else {
            throw ValidationError("--shutdown-grace-seconds must be a number of seconds in [0, 86400]")
        }
        guard idleTimeoutSeconds > 0, idleTimeoutSeconds <= 86_400 else {
            throw ValidationError("--idle-timeout-seconds must be a number of seconds in (0, 86400]")
        }
    }

    func run() async throws {
        if let threads { BLASRuntime.setThreadCount(threads) }
        let location = try ModelLocation(modelDirectory, storeOptions: storeOptions)
        defer { location.cleanup() }
        let server = try await ServingCLI.mapErrors {
            let model = try ServedModel.load(directory: try location.huggingFaceDirectory(),
                                             adapter: adapter.map { URL(fileURLWithPath: $0) }, name: servedModelName ?? modelDirectory)
            let configuration = ServeConfiguration(host: host, port: port, maxBatch: maxBatch, prefixCacheTokens: prefixCacheTokens,
                                                   maxBodyBytes: maxBodyBytes,
                                                   shutdownGracePeriod: .milliseconds(Int64(shutdownGraceSeconds * 1000)),
                                                   idleTimeout: .milliseconds(Int64(idleTimeoutSeconds * 1000)))
            return try await OpenAIServer.start(model: model, configuration: configuration)
        }
        ServingCLI.printLine("listening on \(server.address)")
        ServingCLI.printError("serving \(server.model.name) (context \(server.model.contextLength) tokens, batches of up to \(maxBatch) sequences); OpenAI base URL \(server.baseURL)")
        await server.runUntilSignalled()
        ServingCLI.printError("stopped")
    }
}
