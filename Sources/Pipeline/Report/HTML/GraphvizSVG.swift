import Foundation

/// Graphviz's `dot` turns a lineage graph into SVG for the report (Graphviz lays the graph out and
/// draws it; `scripts/setup.sh` installs Debian's `graphviz`). Without `dot` on the PATH the
/// report shows the graph's text instead and says why.
enum GraphvizSVG {
    /// `dot` on the PATH, or nil.
    static func executable(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("dot")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// The graph as an inline `<svg>` element (no XML prolog or doctype), or why not.
    static func render(_ dot: String) -> Result<String, PipelineError> {
        guard let executable = executable() else {
            return .failure(.report("Graphviz's dot is not installed (Debian: graphviz), so the graph is shown as text"))
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("iopo-lineage-\(UUID().uuidString).dot")
        defer { try? FileManager.default.removeItem(at: file) }
        do { try Data(dot.utf8).write(to: file) } catch { return .failure(.report("could not write \(file.path): \(error)")) }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["-Tsvg", file.path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { return .failure(.report("could not start \(executable.path): \(error)")) }
        // dot writes little to standard error; read the SVG to its end, then the errors.
        let svg = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let string = String(data: svg, encoding: .utf8), let start = string.range(of: "<svg") else {
            return .failure(.report("dot failed (exit \(process.terminationStatus)): \(String(decoding: message, as: UTF8.self).prefix(300))"))
        }
        return .success(String(string[start.lowerBound...]))
    }
}
