import ArgumentParser

/// `iopo-exp model`: create, import, export and inspect Hugging Face Qwen2 models with the bundled
/// engine. The hidden subcommands (`parity-dump`, `tokenizer-cases`, `smoke-train`, `bench`) serve
/// scripts/parity and scripts/bench; they are documented in docs/cli.md.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Create, fetch, import, export and inspect Llama/Qwen2 models (Hugging Face directories, GGUF files).",
        subcommands: [ModelInit.self, ModelExport.self, ModelImport.self, ModelInfo.self, ModelLoRAInit.self, ModelGGUFDump.self,
                      ModelParityDumpCommand.self, ModelTokenizerCases.self, ModelSmokeTrain.self, ModelBench.self])
}
