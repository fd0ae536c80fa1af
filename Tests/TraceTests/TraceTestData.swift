// Locates the real TRACE data for tests: $IOPO_DATA_DIR, else ../shared/data next to the repo
// root (three levels above this file, symlinks resolved). Tests that need it skip when absent.

import Foundation

enum TraceTestData {
    static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["IOPO_DATA_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        let repoRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repoRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    }()

    static var trace: URL { directory.appendingPathComponent("trace") }
    static var evalFile: URL { trace.appendingPathComponent("trace_eval.jsonl") }
    static var trainExample: URL { trace.appendingPathComponent("trace_train_example.json") }
    static var datasetInfo: URL { trace.appendingPathComponent("dataset_info_trace_iopo.json") }

    static var available: Bool {
        let present = FileManager.default.fileExists(atPath: evalFile.path)
        if !present { print("TRACE data not found at \(trace.path); set IOPO_DATA_DIR. Skipping real-data tests.") }
        return present
    }

    /// A fresh empty temporary directory for a test.
    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("trace-tests-\(ProcessInfo.processInfo.processIdentifier)-\(name)")
        if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
