import ArgumentParser
import Engine
import Foundation

/// `model info`: loads a model (directory or store id, with an optional adapter) and describes it.
struct ModelInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Describe a model: architecture, parameter count, tokenizer, adapter.")

    @Argument(help: ArgumentHelp(ModelLocation.argumentHelp)) var model: String
    @Option(help: "PEFT LoRA adapter directory to load on top.") var adapter: String?
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let location = try ModelLocation(model, storeOptions: storeOptions)
        defer { location.cleanup() }
        let bundle = try EngineErrorMapping.mapped {
            try location.loadBundle(adapter: adapter)
        }
        let summary = ModelSummary(bundle: bundle, directory: model)
        if output.json { try Output.printJSON(summary); return }
        print(summary.line)
        let specials = BPETokenizer.qwenSpecialTokens.compactMap { token in bundle.tokenizer.id(of: token).map { "\(token)=\($0)" } }
        print("special tokens: " + (specials.isEmpty ? "none" : specials.joined(separator: " ")))
    }
}
