import Foundation
import TestKit
import Testing

/// Runs the built `iopo-exp` binary, as a user would, in a scratch directory.
struct CLI: Sendable {
    private let scratch = TemporaryDirectory(prefix: "iopo-cli-test")
    var directory: URL { scratch.url }

    func cleanup() { scratch.remove() }

    static var binary: String { IopoExpBinary.path }

    @discardableResult
    func run(_ arguments: [String], environment: [String: String?] = [:], in subdirectory: String? = nil) throws -> ProcessOutput {
        try IopoExpBinary.run(arguments, in: subdirectory.map { directory.appendingPathComponent($0) } ?? directory, environment: environment)
    }

    /// Runs a shell command in the scratch directory, with the binary as $IOPO.
    @discardableResult
    func shell(_ command: String) throws -> ProcessOutput {
        try ProcessRunner.shell(command, in: directory)
    }

    func write(_ text: String, to name: String) throws { try scratch.write(text, to: name) }

    func firstID(_ result: ProcessOutput) -> String { String(result.stdout.split(separator: " ").first ?? "") }
}
