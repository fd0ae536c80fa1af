import Eval
import Foundation

/// `kind = "eval"`: queries an OpenAI-compatible endpoint (a `serve` step's, or any URL) with
/// each dataset, judges the responses and writes `responses.jsonl`, `judgments.jsonl` and
/// `metrics.json` (canonical bytes, dataset order). Metrics are recorded per dataset
/// (`in_domain/if_s`, `out_of_domain/csr`, …). Greedy decoding by default, so reruns are
/// bit-identical; the paper's 0.1 is one parameter away.
public struct EvalExecutor: StepExecutor {
    public init() {}

    public let kind = "eval"
    public let summary = "Evaluate an endpoint on TRACE-format or IFEval data with the rule, IFEval or LLM judge."

    public var schema: ParameterSchema {
        ParameterSchema([
            .required("endpoint", .input, "A serve step's endpoint (\"serve_iopo.endpoint\")."),
            .required("data", .inputMap, "Datasets by name: { in_domain = \"data.eval\", out_of_domain = \"data.ood\" }."),
            .optional("judge", .choice(["rule", "ifeval", "llm"]), default: .string("rule")),
            .optional("model", .string, default: .string("model"), "The model name to request."),
            .optional("temperature", .number, default: .number(0), "0 = greedy (exactly reproducible); the paper used 0.1."),
            .optional("max_tokens", .integer, default: .integer(256)),
            .optional("concurrency", .integer, default: .integer(4)),
            .optional("limit", .integer, "Evaluate only the first N records of each dataset."),
            .optional("judge_endpoint", .string, "OpenAI base URL of the LLM judge (judge = \"llm\")."),
            .optional("judge_model", .string),
        ])
    }

    public func outputs(for params: StepParameters) throws -> [OutputDeclaration] {
        [
            OutputDeclaration("responses", .file, "one JSON line per request"),
            OutputDeclaration("judgments", .file, "one JSON line per judged response"),
            OutputDeclaration("metrics", .file, "metrics per dataset"),
        ]
    }

    public func usesSeed(_ params: StepParameters) -> Bool { (params["temperature"]?.doubleValue ?? 0) > 0 }

    public func validate(_ params: StepParameters, inputNames: [String]) -> [ParameterProblem] {
        if params["judge"]?.stringValue == "llm" && (params["judge_endpoint"] == nil || params["judge_model"] == nil) {
            return [ParameterProblem(path: SpecPath(keys: ["judge"]), message: "the llm judge needs judge_endpoint and judge_model")]
        }
        return []
    }

    /// A dataset input as one JSONL file: shards of a directory concatenated in name order.
    static func datasetFile(_ input: MaterializedInput, name: String, in directory: URL) throws -> URL {
        guard let url = input.url else { throw StepFailure.invalidInput(input.name, reason: "expected a file or a directory of .jsonl shards") }
        guard case .directory = input.content else { return url }
        let shards = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".jsonl") }.sorted()
        guard !shards.isEmpty else { throw StepFailure.invalidInput(input.name, reason: "the directory holds no .jsonl shards") }
        var joined = Data()
        for shard in shards {
            var data = try Data(contentsOf: url.appendingPathComponent(shard))
            if let last = data.last, last != 0x0A { data.append(0x0A) }
            joined.append(data)
        }
        let file = directory.appendingPathComponent("\(name).jsonl")
        try joined.write(to: file)
        return file
    }

    public func execute(_ context: StepContext) throws -> StepResult {
        let params = context.params
        guard let endpoint = try context.input("endpoint").endpoint ?? context.input("endpoint").url?.absoluteString else {
            throw StepFailure.invalidInput("endpoint", reason: "expected a serve step's endpoint")
        }
        let names = (params["data"]?.tableValue ?? [:]).keys.sorted()
        let datasets = try names.map { name -> DatasetSpec in
            DatasetSpec(name: name, file: try EvalExecutor.datasetFile(try context.input("data.\(name)"), name: name, in: context.workDirectory).path)
        }
        guard let judge = JudgeKind(rawValue: try params.string("judge")) else { throw StepFailure.parameter("judge", "unknown judge") }
        var judgeSettings: JudgeSettings?
        if judge == .llm { judgeSettings = JudgeSettings(endpoint: try params.string("judge_endpoint"), model: try params.string("judge_model")) }
        let output = context.workDirectory.appendingPathComponent("evaluation")
        let progress = context.progress
        let config = EvaluationConfig(
            endpoint: endpoint, model: try params.string("model"), datasets: datasets, judge: judge, judgeSettings: judgeSettings,
            temperature: try params.double("temperature"), maxTokens: try params.int("max_tokens"), seed: context.seed,
            concurrency: try params.int("concurrency"), limit: params["limit"]?.intValue, outputDirectory: output,
            progress: { update in progress.update(completed: update.done, total: update.total, "\(update.phase.rawValue)") })
        let result = try AsyncBridge.wait { try await Evaluation.run(config) }
        let fm = FileManager.default
        try fm.copyItem(at: result.responsesFile, to: context.outputURL("responses"))
        try fm.copyItem(at: result.judgmentsFile, to: context.outputURL("judgments"))
        try fm.copyItem(at: result.metricsFile, to: context.outputURL("metrics"))
        for (key, value) in result.metrics.sorted(by: { $0.key < $1.key }) { context.metrics.record(key, value) }
        for line in result.summary { progress.log(line) }
        return StepResult()
    }
}
