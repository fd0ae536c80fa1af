// The server's Prometheus metrics (`GET /metrics`, text format 0.0.4), kept by swift-prometheus and
// named as vLLM names them where it has the metric, so existing dashboards and scrapers read them:
//   vllm:num_requests_running / vllm:num_requests_waiting   gauges, sequences in the batch / queue
//   vllm:prompt_tokens_total / vllm:generation_tokens_total counters
//   vllm:prefix_cache_queries_total / vllm:prefix_cache_hits_total   counters, prompt tokens looked up
//                                                           in the prefix cache / found there
//   vllm:request_success_total{finished_reason}             counter: stop, length, abort, error
//   vllm:time_to_first_token_seconds                        histogram, from queueing to first token
//   vllm:time_per_output_token_seconds                      histogram, between a sequence's tokens
//   http_requests_total{handler, method, status}            counter (as prometheus-fastapi-instrumentator, which vLLM uses)

import Prometheus

/// One server's metrics.
final class ServerMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    let promptTokens: Counter
    let generationTokens: Counter
    let prefixCacheQueries: Counter
    let prefixCacheHits: Counter
    private let running: Gauge
    private let waiting: Gauge
    let timeToFirstToken: ValueHistogram
    let timePerOutputToken: ValueHistogram

    init() {
        promptTokens = registry.makeCounter(name: "vllm:prompt_tokens_total", help: "Prompt tokens of the sequences admitted to the batch.")
        generationTokens = registry.makeCounter(name: "vllm:generation_tokens_total", help: "Tokens generated.")
        prefixCacheQueries = registry.makeCounter(name: "vllm:prefix_cache_queries_total",
                                                  help: "Prompt tokens looked up in the prefix cache.")
        prefixCacheHits = registry.makeCounter(name: "vllm:prefix_cache_hits_total",
                                               help: "Prompt tokens whose keys and values came from the prefix cache.")
        running = registry.makeGauge(name: "vllm:num_requests_running", help: "Sequences in the running batch.")
        waiting = registry.makeGauge(name: "vllm:num_requests_waiting", help: "Sequences waiting in the queue.")
        timeToFirstToken = registry.makeValueHistogram(
            name: "vllm:time_to_first_token_seconds",
            buckets: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
            help: "Seconds from a sequence's queueing to its first generated token.")
        timePerOutputToken = registry.makeValueHistogram(
            name: "vllm:time_per_output_token_seconds",
            buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5],
            help: "Seconds between consecutive generated tokens of a sequence.")
    }

    /// Counts a finished sequence by vLLM's finished_reason.
    func sequenceFinished(_ finish: SequenceFinish) {
        let reason: String
        switch finish {
        case .stopToken, .stopString: reason = "stop"
        case .length: reason = "length"
        case .cancelled: reason = "abort"
        case .failed: reason = "error"
        }
        registry.makeCounter(name: "vllm:request_success_total", labels: [("finished_reason", reason)],
                             help: "Sequences finished, by reason.").increment()
    }

    /// Counts an HTTP response.
    func response(handler: String, method: String, status: Int) {
        registry.makeCounter(name: "http_requests_total", labels: [("handler", handler), ("method", method), ("status", String(status))],
                             help: "HTTP requests answered, by route, method and status.").increment()
    }

    /// The exposition text, with the gauges read from `statistics` now.
    func text(_ statistics: SchedulerStatistics) -> String {
        running.set(Double(statistics.running))
        waiting.set(Double(statistics.queued))
        return registry.emitToString()
    }
}
