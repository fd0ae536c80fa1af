import Engine
import Foundation
import Store

/// Where a model argument points: a Hugging Face directory on disk, a GGUF file (dequantised and
/// written as a Hugging Face directory in a temporary directory), or the id (or unique prefix) of
/// a stored model directory (extracted into a temporary directory). `cleanup` removes what was
/// made.
struct ModelLocation {
    let directory: URL
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
                let scratch = try ModelLocation.makeScratch()
                let destination = scratch.appendingPathComponent("model")
                do {
                    let bundle = try EngineErrorMapping.mapped { try ModelBundle.load(gguf: URL(fileURLWithPath: argument)) }
                    try EngineErrorMapping.mapped { try bundle.export(to: destination) }
                } catch {
                    try? FileManager.default.removeItem(at: scratch)
                    throw error
                }
                directory = destination
                temporary = scratch
                return
            }
            directory = URL(fileURLWithPath: argument)
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
        directory = destination
        temporary = scratch
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
