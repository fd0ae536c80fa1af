// One evaluation, end to end: send every instruction of every dataset to an OpenAI-compatible
// endpoint (bounded concurrency, retries, a resumable response cache), judge the responses, and
// write three canonical files to the output directory:
//
//   responses.jsonl   one line per instruction, in dataset order: the response and its usage
//   judgments.jsonl   one line per instruction: per-constraint verdicts (and the judge's replies)
//   metrics.json      per dataset: IF-S, IF-M, CSR, ISR and breakdowns, or IFEval S-Acc/L-Acc;
//                     plus the settings that produced them
//
// Nothing in them depends on timing, concurrency, ports or resumption: with deterministic decoding
// (temperature 0, or a seeded server such as ours) a rerun writes the same bytes.

import Basics
import Foundation
import Trace

/// Runs evaluations.
public enum Evaluation {
    /// HTTP statuses that refuse one request (its prompt) rather than the whole evaluation.
    static func isPerItemRefusal(_ status: Int) -> Bool { status == 400 || status == 413 || status == 422 }

    /// Queries, judges, scores and writes responses.jsonl, judgments.jsonl and metrics.json.
    public static func run(_ config: EvaluationConfig) async throws -> EvaluationResult {
        try config.validate()
        var datasets: [EvalDataset] = []
        for spec in config.datasets {
            let dataset = try EvalDataset.load(name: spec.name, file: spec.file, format: spec.format, limit: config.limit)
            try checkJudge(config.judge, for: dataset)
            datasets.append(dataset)
        }
        // 1. Responses, in one flat list over all datasets: from the file given (checked before
        // anything is written), or from the model.
        let items = datasets.flatMap { dataset in dataset.items.map { (dataset: dataset.name, item: $0) } }
        var providedReplies: [GeneratedResponse]?
        if let file = config.responsesFile {
            let provided = try ProvidedResponses.load(file)
            let entries = items.map { provided.entry(dataset: $0.dataset, item: $0.item) }
            if let index = entries.firstIndex(of: nil) {
                let first = items[index]
                throw EvaluationError.dataset(file: file, detail: "no response for \(entries.count { $0 == nil }) of \(items.count) records, the first dataset \(first.dataset) record \(first.item.id) (prompt \"\(first.item.prompt.prefix(60))…\")")
            }
            providedReplies = entries.map { entry -> GeneratedResponse in
                switch entry! {
                case .text(let text): return GeneratedResponse(reply: ChatReply(content: text, finishReason: nil, promptTokens: nil, completionTokens: nil), error: nil, requested: false)
                case .missing(let error): return GeneratedResponse(reply: nil, error: error, requested: false)
                }
            }
        }
        let directory = config.outputDirectory
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw EvaluationError.io(path: directory.path, detail: "cannot create the output directory: \(error.localizedDescription)")
        }
        if let providedReplies {
            return try await judgeAndWrite(config, datasets: datasets, replies: providedReplies, responseCache: nil)
        }
        let responseCache = try ResponseCache(url: directory.appendingPathComponent("responses-cache.jsonl"))
        let client = OpenAIClient(baseURL: config.endpoint, apiKey: config.apiKey, retry: config.retry, timeout: config.requestTimeout)
        let parameters = config.chatParameters
        let counter = ProgressCounter(phase: .responses, total: items.count, report: config.progress)
        let replies: [GeneratedResponse] = try await boundedMap(count: items.count, concurrency: config.concurrency) { index in
            var messages: [ChatTurn] = []
            if !config.systemPrompt.isEmpty { messages.append(ChatTurn(role: "system", content: config.systemPrompt)) }
            messages.append(ChatTurn(role: "user", content: items[index].item.prompt))
            let key = ResponseCache.key(model: config.model, messages: messages, parameters: parameters)
            if let cached = await responseCache.reply(for: key) {
                counter.advance(cached: true)
                return GeneratedResponse(reply: cached, error: nil, requested: false)
            }
            do {
                let reply = try await client.chat(model: config.model, messages: messages, parameters: parameters)
                try await responseCache.store(reply, for: key)
                counter.advance(cached: false)
                return GeneratedResponse(reply: reply, error: nil, requested: true)
            } catch let error as EvaluationError {
                guard case .httpStatus(_, let status, let body) = error, isPerItemRefusal(status) else { throw error }
                counter.advance(cached: false)
                return GeneratedResponse(reply: nil, error: "the endpoint refused the prompt (HTTP \(status)): \(body.prefix(300))",
                                         requested: true)
            }
        }

        return try await judgeAndWrite(config, datasets: datasets, replies: replies, responseCache: responseCache)
    }

    /// Judges every dataset's responses, scores them and writes the three files.
    static func judgeAndWrite(_ config: EvaluationConfig, datasets: [EvalDataset], replies: [GeneratedResponse],
                              responseCache: ResponseCache?) async throws -> EvaluationResult {
        let directory = config.outputDirectory
        // 2. Judgments and metrics, dataset by dataset.
        var judgeCache: ResponseCache?
        if config.judge == .llm && datasets.contains(where: { $0.format == .trace }) {
            judgeCache = try ResponseCache(url: directory.appendingPathComponent("judge-cache.jsonl"))
        }
        var offset = 0
        var responseLines: [String] = []
        var outcomes: [DatasetOutcome] = []
        for dataset in datasets {
            let generated = Array(replies[offset..<(offset + dataset.items.count)])
            offset += dataset.items.count
            for (index, (item, response)) in zip(dataset.items, generated).enumerated() {
                responseLines.append(responseLine(dataset: dataset.name, index: index, item: item, response: response))
            }
            switch dataset.format {
            case .ifeval: outcomes.append(judgeIFEval(dataset, generated: generated))
            case .trace: outcomes.append(try await judgeTrace(dataset, generated: generated, config: config, judgeCache: judgeCache))
            }
        }
        var metrics: [String: JSONValue] = [:]
        for (dataset, outcome) in zip(datasets, outcomes) { metrics[dataset.name] = outcome.metrics }
        metrics["settings"] = settingsJSON(config, datasets: datasets)

        // 3. Files.
        let metricsDocument = JSONValue.object(metrics)
        let responsesFile = directory.appendingPathComponent("responses.jsonl")
        let judgmentsFile = directory.appendingPathComponent("judgments.jsonl")
        let metricsFile = directory.appendingPathComponent("metrics.json")
        try CanonicalJSON.write(responseLines.map { $0 + "\n" }.joined(), to: responsesFile)
        try CanonicalJSON.write(outcomes.flatMap(\.judgmentLines).map { $0 + "\n" }.joined(), to: judgmentsFile)
        try CanonicalJSON.write(CanonicalJSON.document(metricsDocument), to: metricsFile)
        let hits = (await responseCache?.hits ?? 0) + (await judgeCache?.hits ?? 0)
        var flat: [String: Double] = [:]
        flatten(metricsDocument, prefix: "", into: &flat)
        return EvaluationResult(metrics: flat, responsesFile: responsesFile, judgmentsFile: judgmentsFile, metricsFile: metricsFile,
                                modelRequests: replies.count(where: \.requested), judgeRequests: outcomes.reduce(0) { $0 + $1.judgeRequests },
                                cacheHits: hits, unjudged: outcomes.reduce(0) { $0 + $1.unjudged }, summary: outcomes.map(\.summary))
    }

    /// What judging one dataset produced.
    struct DatasetOutcome {
        var judgmentLines: [String]
        var metrics: JSONValue
        var summary: String
        var unjudged = 0
        var judgeRequests = 0
    }

    static func judgeIFEval(_ dataset: EvalDataset, generated: [GeneratedResponse]) -> DatasetOutcome {
        let pairs = zip(dataset.items, generated).map { (prompt: $0.ifeval!, response: $1.reply?.content ?? "") }
        let lines = pairs.enumerated().map { index, pair in
            ifevalJudgmentLine(dataset: dataset.name, index: index, prompt: pair.prompt, response: pair.response)
        }
        let score = IFEvalScore(pairs)
        let errors = generated.count(where: { $0.reply == nil })
        let summary = "\(dataset.name) (IFEval, \(pairs.count) prompts): S-Acc \(percent(score.strictPromptAccuracy))  L-Acc \(percent(score.loosePromptAccuracy))"
            + "  instruction strict \(percent(score.strict.instructionLevel)) loose \(percent(score.loose.instructionLevel))"
            + (errors > 0 ? "  (\(errors) prompts refused by the endpoint, counted as not followed)" : "")
        return DatasetOutcome(judgmentLines: lines, metrics: IFEvalMetrics.json(score, generationErrors: errors), summary: summary)
    }

    static func judgeTrace(_ dataset: EvalDataset, generated: [GeneratedResponse], config: EvaluationConfig,
                           judgeCache: ResponseCache?) async throws -> DatasetOutcome {
        let records = dataset.items.map { $0.trace! }
        @Sendable func noResponse(_ index: Int) -> ConstraintVerdict {
            ConstraintVerdict(status: .generationError, satisfied: Array(repeating: false, count: records[index].constraintsNum),
                              failure: generated[index].error)
        }
        let verdicts: [ConstraintVerdict]
        switch config.judge {
        case .rule, .ifeval:  // .ifeval never gets here: checkJudge refuses it for TRACE data
            verdicts = records.indices.map { index in
                guard let reply = generated[index].reply else { return noResponse(index) }
                return RuleJudging.judge(records[index], response: reply.content)
            }
        case .llm:
            let settings = config.judgeSettings!
            let judge = LLMJudge(
                client: OpenAIClient(baseURL: settings.endpoint, apiKey: settings.apiKey, retry: config.retry, timeout: config.requestTimeout),
                model: settings.model,
                parameters: ChatParameters(temperature: settings.temperature, maxTokens: settings.maxTokens, seed: settings.seed),
                attempts: settings.attempts, cache: judgeCache)
            let counter = ProgressCounter(phase: .judging, total: records.count, report: config.progress)
            verdicts = try await boundedMap(count: records.count, concurrency: config.concurrency) { index in
                guard let reply = generated[index].reply else {
                    counter.advance(cached: false)
                    return noResponse(index)
                }
                let verdict = try await judge.judge(instruction: records[index].userContent, constraints: records[index].constraintsSplits,
                                                    response: reply.content)
                counter.advance(cached: verdict.attempts == 0)
                return verdict
            }
        }
        let lines = zip(records, verdicts).enumerated().map { index, pair in
            traceJudgmentLine(dataset: dataset.name, index: index, record: pair.0, verdict: pair.1, judge: config.judge)
        }
        let metrics = TraceMetrics(records: records, verdicts: verdicts)
        var summary = "\(dataset.name) (TRACE, \(records.count) instructions, \(config.judge.rawValue) judge): "
            + "IF-S \(percent(metrics.single.rate)) (n=\(metrics.single.total))  IF-M \(percent(metrics.multi.rate)) (n=\(metrics.multi.total))"
            + "  CSR \(percent(metrics.csr))  ISR \(percent(metrics.all.rate))"
        if metrics.unparseable + metrics.judgeErrors > 0 {
            summary += "  — \(metrics.unparseable) unparseable judge replies, \(metrics.judgeErrors) judge errors: left out of the rates"
        }
        if metrics.generationErrors > 0 { summary += "  (\(metrics.generationErrors) prompts refused by the endpoint, counted as not followed)" }
        return DatasetOutcome(judgmentLines: lines, metrics: metrics.json, summary: summary,
                              unjudged: metrics.unparseable + metrics.judgeErrors,
                              judgeRequests: verdicts.reduce(0) { $0 + $1.attempts })
    }

    static func checkJudge(_ judge: JudgeKind, for dataset: EvalDataset) throws(EvaluationError) {
        switch (dataset.format, judge) {
        case (.ifeval, _): return
        case (.trace, .ifeval):
            throw .judgeMismatch(dataset: dataset.name, detail: "the ifeval judge scores IFEval data only; this is TRACE data: use --judge rule or --judge llm")
        case (.trace, .rule): try RuleJudging.requireChecks(dataset)
        case (.trace, .llm): return
        }
    }

    private static func percent(_ value: Double?) -> String {
        guard let value else { return "n/a" }
        return String(format: "%.1f%%", value * 100)
    }
}

/// A model response, or why there is none.
struct GeneratedResponse: Sendable {
    var reply: ChatReply?
    var error: String?
    /// Whether a request was sent (false: from the cache).
    var requested: Bool
}
