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
        abstract: "Validate a Hugging Face Qwen2 directory, report it, and store it (prints the stored id).")

    @Argument(help: "Hugging Face Qwen2 directory (config.json, model.safetensors or shards, tokenizer.json).") var directory: String
    @Flag(help: "Store the directory's files unchanged instead of the engine's canonical export.") var asIs = false
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let source = URL(fileURLWithPath: directory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError.invalid("\(directory): no such directory")
        }
        let bundle = try EngineErrorMapping.mapped { try ModelBundle.load(directory: source) }
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
