// What an evaluation is asked to do (endpoint, datasets, judge, generation settings, output) and
// what it reports back.

import Foundation
import Trace

/// Which judge scores TRACE-format data (IFEval data always uses the IFEval checkers).
public enum JudgeKind: String, Sendable, Hashable, CaseIterable {
    /// The synthetic TRACE verifiers, constraint by constraint.
    case rule
    /// IFEval's checkers, strict and loose (IFEval data only).
    case ifeval
    /// TRACE's LLM judge protocol against an OpenAI-compatible judge endpoint.
    case llm
}

/// A dataset to evaluate: its metrics key, file and (optionally) format.
public struct DatasetSpec: Sendable, Hashable {
    public var name: String
    public var file: String
    public var format: DatasetFormat?

    public init(name: String, file: String, format: DatasetFormat? = nil) {
        self.name = name
        self.file = file
        self.format = format
    }
}

/// The LLM judge's endpoint and settings (the paper: GPT-4o at temperature 0).
public struct JudgeSettings: Sendable, Hashable {
    public var endpoint: String
    public var model: String
    public var apiKey: String?
    public var temperature: Double
    public var maxTokens: Int?
    public var seed: Int?
    /// Replies asked for per instruction before it is recorded as unparseable.
    public var attempts: Int

    public init(endpoint: String, model: String, apiKey: String? = nil, temperature: Double = 0, maxTokens: Int? = 1024,
                seed: Int? = 0, attempts: Int = 3) {
        self.endpoint = endpoint
        self.model = model
        self.apiKey = apiKey
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.seed = seed
        self.attempts = attempts
    }
}

/// Where an evaluation is.
public struct EvaluationProgress: Sendable, Equatable {
    public enum Phase: String, Sendable { case responses, judging }
    public var phase: Phase
    public var done: Int
    public var total: Int
    /// Of `done`, how many came from the cache.
    public var cached: Int
}

/// Everything an evaluation needs.
public struct EvaluationConfig: Sendable {
    /// The OpenAI base URL of the model under test (…/v1).
    public var endpoint: String
    /// The model name to request.
    public var model: String
    public var apiKey: String?
    public var datasets: [DatasetSpec]
    public var judge: JudgeKind
    /// Required when `judge` is `.llm`.
    public var judgeSettings: JudgeSettings?
    /// The paper's system prompt; empty sends none.
    public var systemPrompt: String
    /// The paper's 0.1; 0 makes decoding greedy, so results are exactly reproducible.
    public var temperature: Double
    public var topP: Double?
    /// nil leaves the limit to the endpoint (vLLM and our server: the rest of the context).
    public var maxTokens: Int?
    /// Sent with every request so sampling is reproducible on servers that honour it.
    public var seed: Int?
    public var concurrency: Int
    /// Evaluate only the first `limit` records of each dataset.
    public var limit: Int?
    public var outputDirectory: URL
    public var retry: RetryPolicy
    public var requestTimeout: Duration
    public var progress: (@Sendable (EvaluationProgress) -> Void)?
    /// Judge the responses in this JSONL file instead of querying `endpoint` (see
    /// `ProvidedResponses` for the two accepted shapes); `endpoint` and `model` are then unused.
    public var responsesFile: String?

    public init(endpoint: String, model: String, apiKey: String? = nil, datasets: [DatasetSpec], judge: JudgeKind,
                judgeSettings: JudgeSettings? = nil, systemPrompt: String = TraceEvalRecord.systemPrompt,
                temperature: Double = 0.1, topP: Double? = nil, maxTokens: Int? = nil, seed: Int? = 0,
                concurrency: Int = 4, limit: Int? = nil, outputDirectory: URL, retry: RetryPolicy = RetryPolicy(),
                requestTimeout: Duration = .seconds(600), progress: (@Sendable (EvaluationProgress) -> Void)? = nil,
                responsesFile: String? = nil) {
        self.endpoint = endpoint
        self.model = model
        self.apiKey = apiKey
        self.datasets = datasets
        self.judge = judge
        self.judgeSettings = judgeSettings
        self.systemPrompt = systemPrompt
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.seed = seed
        self.concurrency = concurrency
        self.limit = limit
        self.outputDirectory = outputDirectory
        self.retry = retry
        self.requestTimeout = requestTimeout
        self.progress = progress
        self.responsesFile = responsesFile
    }

    var chatParameters: ChatParameters {
        ChatParameters(temperature: temperature, topP: topP, maxTokens: maxTokens, seed: seed)
    }

    func validate() throws(EvaluationError) {
        if model.isEmpty && responsesFile == nil { throw .invalidSetting(field: "model", detail: "must not be empty") }
        if datasets.isEmpty { throw .invalidSetting(field: "data", detail: "give at least one dataset") }
        if concurrency < 1 || concurrency > 1024 { throw .invalidSetting(field: "concurrency", detail: "must be in 1...1024, got \(concurrency)") }
        if !(temperature >= 0) || !temperature.isFinite { throw .invalidSetting(field: "temperature", detail: "must be ≥ 0, got \(temperature)") }
        if let topP, !(topP > 0 && topP <= 1) { throw .invalidSetting(field: "top-p", detail: "must be in (0, 1], got \(topP)") }
        if let maxTokens, maxTokens < 1 { throw .invalidSetting(field: "max-tokens", detail: "must be at least 1, got \(maxTokens)") }
        if let limit, limit < 1 { throw .invalidSetting(field: "limit", detail: "must be at least 1, got \(limit)") }
        if retry.maxAttempts < 1 { throw .invalidSetting(field: "retries", detail: "at least one attempt is needed") }
        var names = Set<String>()
        for dataset in datasets {
            if dataset.name.isEmpty || dataset.name.contains("/") || dataset.name == "settings" {
                throw .invalidSetting(field: "data", detail: "dataset name \"\(dataset.name)\" must be non-empty, without '/', and not \"settings\"")
            }
            if !names.insert(dataset.name).inserted {
                throw .invalidSetting(field: "data", detail: "two datasets are named \(dataset.name); name them NAME=FILE")
            }
        }
        if judge == .llm {
            guard let judgeSettings else { throw .invalidSetting(field: "judge-endpoint", detail: "the llm judge needs --judge-endpoint and --judge-model") }
            if judgeSettings.model.isEmpty { throw .invalidSetting(field: "judge-model", detail: "must not be empty") }
            if judgeSettings.attempts < 1 { throw .invalidSetting(field: "judge-attempts", detail: "must be at least 1") }
        }
    }
}

/// What an evaluation produced.
public struct EvaluationResult: Sendable {
    /// Every number of metrics.json, nested keys joined with "/" (`in_domain/if_s`).
    public var metrics: [String: Double]
    public var responsesFile: URL
    public var judgmentsFile: URL
    public var metricsFile: URL
    /// Requests sent to the model endpoint and to the judge in this run (cache misses).
    public var modelRequests: Int
    public var judgeRequests: Int
    /// Replies reused from the caches.
    public var cacheHits: Int
    /// Instructions without a verdict (unparseable judge replies or judge errors), all datasets.
    public var unjudged: Int
    /// One human-readable line per dataset.
    public var summary: [String]
}
