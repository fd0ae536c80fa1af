import Foundation
import Testing

/// Runs the built `iopo-exp` binary, as a user would, in a scratch directory.
struct CLI: Sendable {
    let directory: URL

    init() {
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("iopo-cli-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(at: directory) }

    /// The binary next to the test bundle (SwiftPM builds executables and tests into one folder),
    /// or $IOPO_EXP_BIN.
    static let binary: String = {
        if let explicit = ProcessInfo.processInfo.environment["IOPO_EXP_BIN"] { return explicit }
        var candidates: [URL] = []
        if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("iopo-exp"))
        }
        let argument0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var url = argument0
        for _ in 0..<4 {
            url = url.deletingLastPathComponent()
            candidates.append(url.appendingPathComponent("iopo-exp"))
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/iopo-exp"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path ?? candidates.last!.path
    }()

    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        var stdoutBytes: Data
    }

    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:], in subdirectory: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = arguments
        process.currentDirectoryURL = subdirectory.map { directory.appendingPathComponent($0) } ?? directory
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "IOPO_STORE")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errBox = DataBox()
        let reader = Thread { errBox.data = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errBox.done { usleep(1000) }
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errBox.data, as: UTF8.self), stdoutBytes: outData)
    }

    /// Runs a shell command in the scratch directory, with the binary as $IOPO.
    @discardableResult
    func shell(_ command: String) throws -> Result {
        try CLI.shell(command, in: directory)
    }

    static func shell(_ command: String, in directory: URL) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["IOPO"] = binary
        env.removeValue(forKey: "IOPO_STORE")
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: "", stdoutBytes: data)
    }

    func write(_ text: String, to name: String) throws {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func firstID(_ result: Result) -> String { String(result.stdout.split(separator: " ").first ?? "") }
}

final class DataBox: @unchecked Sendable {
    var data = Data() { didSet { done = true } }
    var done = false
}
