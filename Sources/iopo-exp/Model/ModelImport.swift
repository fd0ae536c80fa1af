import ArgumentParser
import Engine
import Foundation
import Store

/// `model import`: checks that a directory is a Qwen2 checkpoint the engine can run (config,
/// every tensor and its shape, dtypes, tokenizer), then stores it and prints its id. By default
/// the engine's canonical export is stored (float32, sorted, canonical JSON), so the same weights
/// always get the same id whatever wrote them; --as-is stores the files unchanged.
struct ModelImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Validate a Hugging Face Llama/Qwen2 directory or a GGUF file, report it, and store it (prints the stored id).")

    @Argument(help: "Hugging Face Llama/Qwen2 directory (config.json, model.safetensors or shards, tokenizer.json) or GGUF file.") var directory: String
    @Flag(help: "Store the directory's files unchanged instead of the engine's canonical export.") var asIs = false
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let source = URL(fileURLWithPath: directory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw CLIError.invalid("\(directory): no such directory or GGUF file")
        }
        let bundle: ModelBundle
        if isDirectory.boolValue {
            bundle = try EngineErrorMapping.mapped { try ModelBundle.load(directory: source) }
        } else if ModelLocation.isGGUF(directory) {
            if asIs { throw CLIError.invalid("\(directory): --as-is stores a directory's files unchanged; a GGUF file is stored as its float32 export") }
            bundle = try EngineErrorMapping.mapped { try ModelBundle.load(gguf: source) }
        } else {
            throw CLIError.invalid("\(directory) is a file but not a GGUF file; give a model directory or a GGUF file")
        }
        let store = try storeOptions.open(.write)
        var summary = ModelSummary(bundle: bundle, directory: directory)
        let stored: AddResult
        if asIs {
            stored = try store.add(path: directory)
        } else {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("iopo-exp-import-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: scratch) }
            try EngineErrorMapping.mapped { try bundle.export(to: scratch) }
            stored = try store.add(path: scratch.path)
        }
        summary.id = stored.id.description
        if output.json { try Output.printJSON(summary); return }
        print("\(stored.id)  \(directory)  \(summary.line)")
    }
}
