import Foundation

/// `kind = "command"`: runs an external program under the same tracking as the built-in
/// kinds — the way one experiment file drives LLaMA-Factory, vLLM or torchrun on a cluster.
///
/// Declared inputs are extracted into `inputs/` of the step's scratch directory (which is the
/// program's working directory); the program writes each declared output to `outputs/NAME`,
/// and those are stored after it exits with status 0. `argv`, `env` values and `files` contents
/// may use the placeholders `{inputs.NAME}` (the input's path relative to the working directory,
/// or a service's URL), `{outputs.NAME}`, `{seed}`, `{threads}` and `{blas}`; paths are relative
/// so that a replay in another scratch directory gives the program identical arguments.
///
/// The program sees only the variables named in `pass_env` (taken from the caller), the pinned
/// `OPENBLAS_CORETYPE` / `OPENBLAS_NUM_THREADS`, and `env`. `env` values are part of the key;
/// passed-through values are not (they are recorded, with secrets redacted).
public struct CommandExecutor: StepExecutor {
    public init() {}

    public let kind = "command"
    public let summary = "Run an external program with declared inputs and outputs."

    public static let defaultPassEnv = ["HOME", "LANG", "LC_ALL", "PATH", "TMPDIR", "USER"]

    public var schema: ParameterSchema {
        ParameterSchema([
            .required("argv", .array(.string), "The program and its arguments; placeholders expanded."),
            .optional("inputs", .inputMap, default: .table([:]), "Named inputs, placed in inputs/ of the working directory."),
            .optional("outputs", .array(.string), default: .array([]), "Names of the outputs the program writes to outputs/NAME."),
            .optional("env", .map(.string), default: .table([:]), "Environment variables set for the program (part of the key)."),
            .optional("pass_env", .array(.string), default: .array(CommandExecutor.defaultPassEnv.map(SpecValue.string)),
                      "Variables passed through from the caller's environment (recorded, not keyed)."),
            .optional("files", .map(.string), default: .table([:]), "Files written into the working directory before the program starts (relative path → content)."),
            .optional("timeout", .number, "Seconds before the program is stopped and the step fails."),
        ])
    }

    public func outputs(for params: StepParameters) throws -> [OutputDeclaration] {
        try params.strings("outputs").map { OutputDeclaration($0, .any, "written by the program to outputs/\($0)") }
    }

    public func usesSeed(_ params: StepParameters) -> Bool {
        templates(params).contains { $0.text.contains("{seed}") }
    }

    /// Every text in which placeholders are expanded, with its parameter path.
    private func templates(_ params: StepParameters) -> [(path: SpecPath, text: String)] {
        var out: [(SpecPath, String)] = []
        for (i, arg) in (params["argv"]?.arrayValue ?? []).enumerated() { if let s = arg.stringValue { out.append((SpecPath(keys: ["argv"]).appending(index: i), s)) } }
        for (key, value) in (params["env"]?.tableValue ?? [:]).sorted(by: { $0.key < $1.key }) { if let s = value.stringValue { out.append((SpecPath(keys: ["env", key]), s)) } }
        for (key, value) in (params["files"]?.tableValue ?? [:]).sorted(by: { $0.key < $1.key }) { if let s = value.stringValue { out.append((SpecPath(keys: ["files", key]), s)) } }
        return out
    }

    public func validate(_ params: StepParameters, inputNames: [String]) -> [ParameterProblem] {
        var problems: [ParameterProblem] = []
        if (params["argv"]?.arrayValue ?? []).isEmpty {
            problems.append(ParameterProblem(path: SpecPath(keys: ["argv"]), message: "argv cannot be empty", hint: "give the program and its arguments, e.g. [\"sh\", \"-c\", \"...\"]"))
        }
        let outputs = (try? params.strings("outputs")) ?? []
        var seen = Set<String>()
        for (i, name) in outputs.enumerated() {
            let path = SpecPath(keys: ["outputs"]).appending(index: i)
            if name.isEmpty || name.contains("/") || name == "." || name == ".." {
                problems.append(ParameterProblem(path: path, message: "output name \"\(name)\" must be a plain file name (no /)"))
            }
            if !seen.insert(name).inserted { problems.append(ParameterProblem(path: path, message: "output \"\(name)\" is declared twice")) }
        }
        for key in (params["files"]?.tableValue ?? [:]).keys.sorted() {
            let parts = key.split(separator: "/", omittingEmptySubsequences: false)
            if key.hasPrefix("/") || parts.contains("..") || parts.contains("") || key.hasPrefix("inputs/") || key.hasPrefix("outputs/") {
                problems.append(ParameterProblem(path: SpecPath(keys: ["files", key]), message: "file name \"\(key)\" must be a relative path inside the working directory, outside inputs/ and outputs/", atKey: true))
            }
        }
        for (path, text) in templates(params) {
            for placeholder in CommandExecutor.placeholders(in: text) {
                if placeholder.hasPrefix("inputs."), !inputNames.contains(placeholder) {
                    let declared = inputNames.filter { $0.hasPrefix("inputs.") }
                    problems.append(ParameterProblem(path: path, message: "{\(placeholder)} names no declared input",
                                                     hint: NearestName.hint(for: placeholder, among: declared, what: "input placeholder")))
                } else if placeholder.hasPrefix("outputs."), !outputs.contains(String(placeholder.dropFirst("outputs.".count))) {
                    problems.append(ParameterProblem(path: path, message: "{\(placeholder)} names no declared output",
                                                     hint: NearestName.hint(for: placeholder, among: outputs.map { "outputs." + $0 }, what: "output placeholder")))
                }
            }
        }
        return problems
    }

    /// `inputs.X`, `outputs.X`, `seed`, `threads`, `blas` found in `{…}`; other braces are text.
    static func placeholders(in text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            let name = String(after[..<close])
            if ["seed", "threads", "blas"].contains(name) || name.hasPrefix("inputs.") || name.hasPrefix("outputs.") { found.append(name) }
            rest = after
        }
        return found
    }

    static func expand(_ text: String, values: [String: String]) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let value = values[String(after[..<close])] {
                out += value
                rest = after[after.index(after: close)...]
            } else {
                out += "{"
                rest = after
            }
        }
        return out + rest
    }

    public func execute(_ context: StepContext) throws -> StepResult {
        let params = context.params
        let work = context.workDirectory
        var values: [String: String] = ["seed": String(context.seed), "threads": String(context.engine.threads), "blas": context.engine.blas]
        for (name, input) in context.inputs {
            switch input.content {
            case .file(let url), .directory(let url): values[name] = CommandExecutor.relativePath(url, from: work)
            case .endpoint(let endpoint): values[name] = endpoint
            }
        }
        for output in try params.strings("outputs") {
            values["outputs." + output] = CommandExecutor.relativePath(context.outputURL(output), from: work)
        }

        for (name, content) in try params.table("files").sorted(by: { $0.key < $1.key }) {
            let url = work.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(CommandExecutor.expand(content.stringValue ?? "", values: values).utf8).write(to: url)
        }

        let caller = ProcessInfo.processInfo.environment
        var environment: [String: String] = [:]
        var recordedEnvironment: [String: String] = [:]
        for name in try params.strings("pass_env") {
            guard let value = caller[name] else { continue }
            environment[name] = value
            recordedEnvironment[name] = CommandExecutor.isSecret(name) ? "<redacted>" : value
        }
        environment["OPENBLAS_CORETYPE"] = context.engine.blas
        environment["OPENBLAS_NUM_THREADS"] = String(context.engine.threads)
        for (name, value) in try params.table("env") {
            environment[name] = CommandExecutor.expand(value.stringValue ?? "", values: values)
            recordedEnvironment[name] = environment[name]
        }
        recordedEnvironment["OPENBLAS_CORETYPE"] = environment["OPENBLAS_CORETYPE"]
        recordedEnvironment["OPENBLAS_NUM_THREADS"] = environment["OPENBLAS_NUM_THREADS"]

        let argv = try params.strings("argv").map { CommandExecutor.expand($0, values: values) }
        let executable = try CommandExecutor.locate(argv[0], in: work, path: environment["PATH"] ?? caller["PATH"] ?? "/usr/bin:/bin")

        let stdoutURL = context.logDirectory.appendingPathComponent("stdout.log")
        let stderrURL = context.logDirectory.appendingPathComponent("stderr.log")
        FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stdoutHandle = try FileHandle(forWritingTo: stdoutURL)
        let stderrHandle = try FileHandle(forWritingTo: stderrURL)
        defer { try? stdoutHandle.close(); try? stderrHandle.close() }

        let process = Process()
        process.executableURL = executable
        process.arguments = Array(argv.dropFirst())
        process.environment = environment
        process.currentDirectoryURL = work
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do { try process.run() } catch {
            throw StepFailure.message("cannot start \(executable.path): \(error.localizedDescription)")
        }

        let timeout = params["timeout"]?.doubleValue
        let started = Date()
        var timedOut = false
        while finished.wait(timeout: .now() + 1) == .timedOut {
            let elapsed = Date().timeIntervalSince(started)
            context.progress.update(CommandExecutor.lastLine(of: [stderrURL, stdoutURL]))
            if let timeout, elapsed > timeout, !timedOut {
                timedOut = true
                process.terminate()
                if finished.wait(timeout: .now() + 5) == .timedOut { kill(process.processIdentifier, SIGKILL); finished.wait() }
                break
            }
        }
        process.waitUntilExit()
        if timedOut { throw StepFailure.timedOut(seconds: timeout ?? 0) }

        let status = process.terminationStatus
        let bySignal = process.terminationReason == .uncaughtSignal
        var execution: [String: String] = [
            "argv": SpecValue.array(argv.map(SpecValue.string)).canonicalJSON,
            "exit_status": bySignal ? "signal \(status)" : String(status),
            "executable": executable.path,
        ]
        for (name, value) in recordedEnvironment { execution["env.\(name)"] = value }
        guard status == 0, !bySignal else {
            throw StepFailure.commandFailed(argv: argv, status: status, signal: bySignal, stderrTail: CommandExecutor.tail(of: stderrURL))
        }
        return StepResult(execution: execution)
    }

    static func isSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL"].contains { upper.contains($0) }
    }

    static func relativePath(_ url: URL, from base: URL) -> String {
        let path = url.standardizedFileURL.path, root = base.standardizedFileURL.path
        if path.hasPrefix(root + "/") { return String(path.dropFirst(root.count + 1)) }
        return path
    }

    /// Finds the program: a path (relative to the working directory) or a name on `PATH`.
    static func locate(_ program: String, in work: URL, path: String) throws -> URL {
        if program.contains("/") {
            let url = program.hasPrefix("/") ? URL(fileURLWithPath: program) : work.appendingPathComponent(program)
            guard FileManager.default.isExecutableFile(atPath: url.path) else { throw StepFailure.message("\(program) is not an executable file") }
            return url
        }
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(program)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw StepFailure.message("command not found: \(program) (searched PATH=\(path))")
    }

    /// The last lines of a log, for failure messages.
    static func tail(of url: URL, lines: Int = 20, bytes: Int = 4000) -> String {
        guard let data = FileManager.default.contents(atPath: url.path), !data.isEmpty else { return "" }
        let text = String(decoding: data.suffix(bytes), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines).joined(separator: "\n")
    }

    /// The latest line written to any of the logs (progress bars rewrite lines with `\r`).
    static func lastLine(of urls: [URL]) -> String {
        var newest: (Date, String)?
        for url in urls {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
                  let size = attributes[.size] as? Int, size > 0,
                  let modified = attributes[.modificationDate] as? Date,
                  let handle = FileHandle(forReadingAtPath: url.path) else { continue }
            defer { try? handle.close() }
            try? handle.seek(toOffset: UInt64(max(0, size - 400)))
            let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
            let line = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).last.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
            if !line.isEmpty, newest == nil || modified > newest!.0 { newest = (modified, line) }
        }
        return newest?.1 ?? ""
    }
}
