import Foundation

/// What a finished child process left: its exit status and what it wrote.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var stdoutBytes: Data
}

/// Runs programs for tests: the built binary as a user would, and shell commands. Output goes
/// to temporary files rather than pipes, so a child that writes much to both streams cannot
/// block on a full pipe while the test waits for it.
public enum ProcessRunner {
    /// The environment a child gets: this process's, without the settings that would point it
    /// at a user's store or tell it its BLAS pin is already set, then `changes` (nil removes).
    public static func environment(_ changes: [String: String?]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "IOPO_STORE")
        env.removeValue(forKey: "IOPO_EXP_BLAS_PINNED")
        for (key, value) in changes { env[key] = value }
        return env
    }

    public static func run(_ executable: String, _ arguments: [String], in directory: URL,
                           environment changes: [String: String?] = [:]) throws -> ProcessOutput {
        let capture = TemporaryDirectory(prefix: "iopo-test-output")
        let outURL = capture.file("stdout"), errURL = capture.file("stderr")
        let process = try start(executable, arguments, in: directory, environment: changes, stdout: outURL, stderr: errURL)
        process.waitUntilExit()
        let out = (try? Data(contentsOf: outURL)) ?? Data()
        let err = (try? Data(contentsOf: errURL)) ?? Data()
        return ProcessOutput(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                             stderr: String(decoding: err, as: UTF8.self), stdoutBytes: out)
    }

    /// Starts a program without waiting; its output goes to the files given (created or
    /// truncated), or nowhere.
    public static func start(_ executable: String, _ arguments: [String], in directory: URL,
                             environment changes: [String: String?] = [:], stdout: URL? = nil, stderr: URL? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = environment(changes)
        func sink(_ url: URL?) throws -> FileHandle {
            guard let url else { return FileHandle.nullDevice }
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            return try FileHandle(forWritingTo: url)
        }
        let out = try sink(stdout), err = try sink(stderr)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        if stdout != nil { try out.close() }
        if stderr != nil { try err.close() }
        return process
    }

    /// `bash -c command` in `directory`, stderr folded into stdout, the built binary as $IOPO.
    public static func shell(_ command: String, in directory: URL, environment changes: [String: String?] = [:]) throws -> ProcessOutput {
        var changes = changes
        changes["IOPO"] = changes["IOPO"] ?? IopoExpBinary.path
        return try run("/bin/bash", ["-c", "exec 2>&1; \(command)"], in: directory, environment: changes)
    }
}
