import ArgumentParser
import Engine
import Foundation

/// `model export`: writes a model (a directory or a stored model's id) as a Hugging Face
/// directory, with a PEFT adapter merged into the weights when one is given.
struct ModelExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a model (directory or store id) as a Hugging Face directory, merging a LoRA adapter when given.")

    @Argument(help: ArgumentHelp(ModelLocation.argumentHelp)) var model: String
    @Option(help: "Destination Hugging Face directory (must not exist).") var hf: String
    @Option(help: "PEFT LoRA adapter directory to merge into the weights.") var adapter: String?
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        if FileManager.default.fileExists(atPath: hf) { throw CLIError.invalid("\(hf) already exists; choose a new directory") }
        let location = try ModelLocation(model, storeOptions: storeOptions)
        defer { location.cleanup() }
        let bundle = try EngineErrorMapping.mapped {
            try location.loadBundle(adapter: adapter)
        }
        try OutputDirectory.write(hf) { staging in try EngineErrorMapping.mapped { try bundle.export(to: staging) } }
        var summary = ModelSummary(bundle: bundle, directory: hf)
        summary.adapter = nil  // merged: the written model has none
        print("wrote \(hf): \(summary.line)" + (adapter != nil ? " (adapter \(adapter!) merged)" : ""))
    }
}
