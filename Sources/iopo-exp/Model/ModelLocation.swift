import Engine
import Foundation
import Store

/// Where a model argument points: a Hugging Face directory on disk, a GGUF file, or the id (or
/// unique prefix) of a stored model directory (extracted into a temporary directory). Commands
/// that need the model load it with `loadBundle` (a GGUF file is read directly); those that need
/// files on disk (the server) ask for `huggingFaceDirectory()`, which writes a GGUF model out as
/// a Hugging Face directory in a temporary directory. `cleanup` removes what was made.
struct ModelLocation {
    private enum Source {
        case directory(URL)
        case gguf(URL)
    }

    /// The help of every model argument.
    static let argumentHelp = "A Hugging Face model directory, a GGUF file, or the id (or unique prefix) of a stored model."

    private let source: Source
    private let temporary: URL?

    /// Resolves `argument`: an existing path wins; otherwise it must name a stored directory in
    /// the store `storeOptions` finds.
    init(_ argument: String, storeOptions: StoreOptions) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                guard ModelLocation.isGGUF(argument) else {
                    throw CLIError.invalid("\(argument) is a file but not a GGUF file; give a GGUF file, a model directory (config.json, model.safetensors, tokenizer.json) or a stored id")
                }
                source = .gguf(URL(fileURLWithPath: argument))
                temporary = try ModelLocation.makeScratch()
                return
            }
            source = .directory(URL(fileURLWithPath: argument))
            temporary = nil
            return
        }
        let looksLikeID = argument.hasPrefix("sha256:") || (argument.count >= 4 && argument.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        guard looksLikeID else { throw CLIError.invalid("\(argument): no such model directory") }
        let store = try storeOptions.open()
        let id = try store.resolve(argument)
        let scratch = try ModelLocation.makeScratch()
        let destination = scratch.appendingPathComponent("model")
        do { try store.get(id, to: destination) } catch {
            try? FileManager.default.removeItem(at: scratch)
            throw error
        }
        var extractedIsDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: destination.path, isDirectory: &extractedIsDirectory), extractedIsDirectory.boolValue else {
            try? FileManager.default.removeItem(at: scratch)
            throw CLIError.invalid("\(id) is a stored file, not a model directory")
        }
        source = .directory(destination)
        temporary = scratch
    }

    /// The model with its tokenizer, and `adapter` (a PEFT directory) attached when given.
    func loadBundle(adapter: String? = nil) throws -> ModelBundle {
        let adapterURL = adapter.map { URL(fileURLWithPath: $0) }
        return try EngineErrorMapping.mapped {
            switch source {
            case .directory(let directory): return try ModelBundle.load(directory: directory, adapter: adapterURL)
            case .gguf(let file):
                let bundle = try ModelBundle.load(gguf: file)
                if let adapterURL { try bundle.attach(adapter: adapterURL) }
                return bundle
            }
        }
    }

    /// The model as a Hugging Face directory: the directory itself, or a GGUF model written out
    /// (float32) into this location's temporary directory.
    func huggingFaceDirectory() throws -> URL {
        switch source {
        case .directory(let directory): return directory
        case .gguf(let file):
            let destination = temporary!.appendingPathComponent("model")
            let bundle = try EngineErrorMapping.mapped { try ModelBundle.load(gguf: file) }
            try EngineErrorMapping.mapped { try bundle.export(to: destination) }
            return destination
        }
    }

    /// Whether the file at `path` starts with GGUF's magic.
    static func isGGUF(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)).map { Array($0) } == Array("GGUF".utf8)
    }

    static func makeScratch() throws -> URL {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("iopo-exp-model-\(UUID().uuidString)")
        do { try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true) } catch {
            throw CLIError(code: .failure, message: "cannot create a temporary directory at \(scratch.path): \(error.localizedDescription)")
        }
        return scratch
    }

    func cleanup() {
        if let temporary { try? FileManager.default.removeItem(at: temporary) }
    }
}
