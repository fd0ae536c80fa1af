import Foundation
import Store

/// Where a model argument points: a directory on disk, or the id (or unique prefix) of a stored
/// model directory, which is extracted into a temporary directory that `cleanup` removes.
struct ModelLocation {
    let directory: URL
    private let temporary: URL?

    /// Resolves `argument`: an existing path wins; otherwise it must name a stored directory in
    /// the store `storeOptions` finds.
    init(_ argument: String, storeOptions: StoreOptions) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw CLIError.invalid("\(argument) is a file; give a model directory (config.json, model.safetensors, tokenizer.json)")
            }
            directory = URL(fileURLWithPath: argument)
            temporary = nil
            return
        }
        let looksLikeID = argument.hasPrefix("sha256:") || (argument.count >= 4 && argument.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        guard looksLikeID else { throw CLIError.invalid("\(argument): no such model directory") }
        let store = try storeOptions.open()
        let id = try store.resolve(argument)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("iopo-exp-model-\(UUID().uuidString)")
        do { try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true) } catch {
            throw CLIError(code: .failure, message: "cannot create a temporary directory at \(scratch.path): \(error.localizedDescription)")
        }
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

    func cleanup() {
        if let temporary { try? FileManager.default.removeItem(at: temporary) }
    }
}
