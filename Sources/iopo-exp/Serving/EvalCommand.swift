import ArgumentParser
import Eval
import Foundation
import Serve

/// `iopo-exp eval`: query an OpenAI-compatible endpoint with TRACE or IFEval data, judge, score.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a model on TRACE-format or IFEval data through an OpenAI-compatible endpoint.",
        discussion: """
            The model is an endpoint (--endpoint URL --model NAME: vLLM, a hosted API, iopo-exp serve) \
            or a model directory (--model-dir DIR), which is served on a free loopback port for the \
            evaluation and stopped after, or responses produced elsewhere (--responses-from FILE: \
            vLLM outputs, a paper's released outputs, an earlier run), judged without any model. Defaults follow the paper: system prompt "You are a helpful \
            assistant.", temperature 0.1 (0 gives exact determinism), seed 0 sent with every request. \
            TRACE data is judged by --judge rule (synthetic data with checks) or --judge llm (TRACE's \
            judge protocol against --judge-endpoint); IFEval data by the IFEval checkers. Writes \
            responses.jsonl, judgments.jsonl and metrics.json to --out (canonical bytes); replies are \
            cached there, so an interrupted evaluation resumes where it stopped.
            """)

    @Option(help: "OpenAI base URL of the model under test, e.g. http://127.0.0.1:8000/v1.") var endpoint: String?
    @Option(help: "Model name to request (with --model-dir: the served name, default \"local\").") var model: String?
    @Option(help: "Serve this model (Hugging Face directory, GGUF file or stored id) for the evaluation instead of using --endpoint.") var modelDir: String?
    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "With --model-dir: a PEFT LoRA adapter to apply.") var adapter: String?
    @Option(help: "With --model-dir: the server's largest batch (default: --concurrency, at most 16; 16 without it).") var maxBatch: Int?
    @Option(help: "Environment variable holding the model endpoint's API key (none is sent by default).") var apiKeyEnv: String?
    @Option(help: ArgumentHelp("Judge the responses in this JSONL file instead of querying a model: IFEval's input_response_data.jsonl ({\"prompt\", \"response\"} lines, matched by prompt) or a responses.jsonl written by eval (matched by dataset and id).", valueName: "file"))
    var responsesFrom: String?

    @Option(name: .customLong("data"), help: "A dataset, FILE or NAME=FILE (repeatable); the format is recognised. NAME keys its metrics (default: trace or ifeval).")
    var data: [String] = []
    @Option(help: "The in-domain TRACE set: same as --data in_domain=FILE.") var trace: String?
    @Option(help: "An IFEval input_data.jsonl: same as --data ifeval=FILE.") var ifeval: String?

    @Option(help: "Judge of TRACE data: rule or llm (ifeval for IFEval-only runs). IFEval data always uses its checkers.")
    var judge: JudgeKind?
    @Option(help: "OpenAI base URL of the LLM judge.") var judgeEndpoint: String?
    @Option(help: "The judge model, e.g. gpt-4o.") var judgeModel: String?
    @Option(help: "Environment variable holding the judge's API key.") var judgeApiKeyEnv = "OPENAI_API_KEY"
    @Option(help: "Judge temperature.") var judgeTemperature = 0.0
    @Option(help: "Judge max_tokens.") var judgeMaxTokens = 1024
    @Option(help: "Judge replies asked for per instruction before it counts as unparseable.") var judgeAttempts = 3

    @Option(help: "System prompt (empty: none).") var systemPrompt = "You are a helpful assistant."
    @Option(help: "Sampling temperature; 0 is greedy and exactly reproducible.") var temperature = 0.1
    @Option(help: "top_p (default: not sent).") var topP: Double?
    @Option(help: "max_tokens per response (default: not sent; the endpoint's own limit applies).") var maxTokens: Int?
    @Option(help: "Seed sent with every request.") var seed = 0
    @Option(help: "Requests in flight at once (default: as many as the server runs at once, up to 256, which iopo-exp serve advertises as max_num_seqs in /v1/models; 4 for a server that does not say, and with --judge llm).")
    var concurrency: Int?
    @Option(help: "Evaluate only the first N records of each dataset.") var limit: Int?
    @Option(help: "Attempts per request (connection errors, 5xx, 429), with exponential backoff.") var retries = 6
    @Option(help: "Seconds before a request times out.") var timeout = 600.0

    @Option(help: "Output directory (responses.jsonl, judgments.jsonl, metrics.json, caches).") var out = "eval-out"
    @Option(help: "Also copy metrics.json here.") var metrics: String?
    @Option(help: "Also copy responses.jsonl here.") var responses: String?
    @Option(help: "Also copy judgments.jsonl here.") var judgments: String?
    @Flag(help: "Print metrics.json instead of the summary.") var json = false

    func datasets() throws -> [DatasetSpec] {
        var specs: [DatasetSpec] = []
        for entry in data {
            if let equals = entry.firstIndex(of: "="), !entry[..<equals].contains("/") {
                specs.append(DatasetSpec(name: String(entry[..<equals]), file: String(entry[entry.index(after: equals)...])))
            } else {
                let format = try ServingCLI.mapErrorsSync { try EvalDataset.detectFormat(file: entry) }
                specs.append(DatasetSpec(name: format.rawValue, file: entry, format: format))
            }
        }
        if let trace { specs.append(DatasetSpec(name: "in_domain", file: trace, format: .trace)) }
        if let ifeval { specs.append(DatasetSpec(name: "ifeval", file: ifeval, format: .ifeval)) }
        if specs.isEmpty { throw CLIError.invalid("give a dataset: --data FILE (or --trace FILE, --ifeval FILE)") }
        return specs
    }

    func judgeKind(_ specs: [DatasetSpec]) throws -> JudgeKind {
        if let judge { return judge }
        var formats: [DatasetFormat] = []
        for spec in specs {
            if let format = spec.format {
                formats.append(format)
            } else {
                formats.append(try ServingCLI.mapErrorsSync { try EvalDataset.detectFormat(file: spec.file) })
            }
        }
        if formats.allSatisfy({ $0 == .ifeval }) { return .ifeval }
        throw CLIError.invalid("TRACE data needs a judge: --judge rule (synthetic data with checks) or --judge llm")
    }

    /// One progress line on the terminal, rewritten in place, with the rate and ETA.
    @Sendable static func showProgress(_ progress: EvaluationProgress, clock: EvaluationPhaseClock) {
        let line = "\r" + progress.line(elapsed: clock.elapsed(progress.phase)) + "\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
        if progress.done == progress.total { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    func validate() throws {
        if [endpoint != nil, modelDir != nil, responsesFrom != nil].filter({ $0 }).count != 1 {
            throw ValidationError("give one of --endpoint URL --model NAME, --model-dir DIR or --responses-from FILE")
        }
        if endpoint != nil && model == nil { throw ValidationError("--endpoint needs --model NAME") }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
        if judge == .llm && (judgeEndpoint == nil || judgeModel == nil) {
            throw ValidationError("--judge llm needs --judge-endpoint URL and --judge-model NAME")
        }
    }

    func run() async throws {
        let specs = try datasets()
        let kind = try judgeKind(specs)
        var judgeSettings: JudgeSettings?
        if kind == .llm {
            guard let judgeEndpoint, let judgeModel else { throw ValidationError("--judge llm needs --judge-endpoint URL and --judge-model NAME") }
            judgeSettings = JudgeSettings(endpoint: judgeEndpoint, model: judgeModel,
                                          apiKey: ProcessInfo.processInfo.environment[judgeApiKeyEnv],
                                          temperature: judgeTemperature, maxTokens: judgeMaxTokens, seed: 0, attempts: judgeAttempts)
        }
        let showProgress = ServingCLI.stderrIsTerminal && !json
        var server: OpenAIServer?
        let location = try modelDir.map { try ModelLocation($0, storeOptions: storeOptions) }
        defer { location?.cleanup() }
        if let modelDir, let location {
            server = try await ServingCLI.mapErrors {
                let served = try ServedModel.load(directory: try location.huggingFaceDirectory(), adapter: adapter.map { URL(fileURLWithPath: $0) },
                                                  name: model ?? "local")
                return try await OpenAIServer.start(model: served, configuration: ServeConfiguration(maxBatch: maxBatch ?? min(concurrency ?? 16, 16)))
            }
            if !json { ServingCLI.printError("serving \(modelDir) at \(server!.baseURL) for the evaluation") }
        }
        let endpointURL: String = server?.baseURL ?? endpoint ?? ""
        let modelName: String = server?.model.name ?? model ?? ""
        let apiKey: String? = apiKeyEnv.flatMap { ProcessInfo.processInfo.environment[$0] }
        // The server's batch, when it says (at most 256); not with an LLM judge, whose endpoint the
        // same concurrency would drive and which may be a rate-limited API.
        var inFlight = concurrency ?? 4
        if concurrency == nil && responsesFrom == nil && kind != .llm,
           let advertised = await OpenAIClient(baseURL: endpointURL, apiKey: apiKey).advertisedConcurrency(model: modelName) {
            inFlight = min(advertised, 256)
            if !json { ServingCLI.printError("\(inFlight) requests in flight: the server runs \(advertised) sequences at once") }
        }
        let clock = EvaluationPhaseClock()
        let report: (@Sendable (EvaluationProgress) -> Void)? = showProgress ? { @Sendable progress in EvalCommand.showProgress(progress, clock: clock) } : nil
        let config = EvaluationConfig(
            endpoint: endpointURL, model: modelName, apiKey: apiKey,
            datasets: specs, judge: kind, judgeSettings: judgeSettings, systemPrompt: systemPrompt,
            temperature: temperature, topP: topP, maxTokens: maxTokens, seed: seed, concurrency: inFlight, limit: limit,
            outputDirectory: URL(fileURLWithPath: out), retry: RetryPolicy(maxAttempts: retries),
            requestTimeout: .milliseconds(Int64(timeout * 1000)), progress: report, responsesFile: responsesFrom)
        let result: EvaluationResult
        do {
            result = try await ServingCLI.mapErrors { try await Evaluation.run(config) }
        } catch {
            await server?.stop()
            throw error
        }
        await server?.stop()
        for (source, destination) in [(result.metricsFile, metrics), (result.responsesFile, responses), (result.judgmentsFile, judgments)] {
            guard let destination else { continue }
            let target = URL(fileURLWithPath: destination)
            do {
                if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
                try FileManager.default.copyItem(at: source, to: target)
            } catch {
                throw CLIError(code: .failure, message: "cannot copy \(source.lastPathComponent) to \(destination): \(error.localizedDescription)")
            }
        }
        if json {
            ServingCLI.printLine(String(decoding: try Data(contentsOf: result.metricsFile), as: UTF8.self).trimmingCharacters(in: .newlines))
            return
        }
        for line in result.summary { ServingCLI.printLine(line) }
        ServingCLI.printLine("\(result.modelRequests) model requests, \(result.judgeRequests) judge requests, \(result.cacheHits) cached replies reused")
        if result.unjudged > 0 {
            ServingCLI.printLine("warning: \(result.unjudged) instructions have no verdict (see judgments.jsonl, status unparseable / judge_error); they are left out of the rates")
        }
        ServingCLI.printLine("wrote \(result.responsesFile.path), \(result.judgmentsFile.path), \(result.metricsFile.path)")
    }
}
