import Foundation
import TestKit

/// The real TRACE files, from the shared data folder (`SharedData`); tests that need them skip
/// when they are absent.
enum TraceTestData {
    static var trace: URL { SharedData.directory.appendingPathComponent("trace") }
    static var evalFile: URL { trace.appendingPathComponent("trace_eval.jsonl") }
    static var trainExample: URL { trace.appendingPathComponent("trace_train_example.json") }
    static var datasetInfo: URL { trace.appendingPathComponent("dataset_info_trace_iopo.json") }

    static var available: Bool { SharedData.has("trace/trace_eval.jsonl") }
}
