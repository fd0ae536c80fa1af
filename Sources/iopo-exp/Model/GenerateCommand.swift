import ArgumentParser
import Engine
import Foundation

/// `iopo-exp generate`: one completion from a model with the bundled engine. The prompt is
/// wrapped in the Qwen2 chat template (system turn, user turn, assistant opening) unless --raw.
/// Generation stops at the end-of-turn token (<|im_end|>) or <|endoftext|>, a --stop string, or
/// --max-new-tokens. Greedy by default; with --temperature > 0 it samples from --seed, so the same
/// prompt, settings and seed give the same text every time.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate a completion with the bundled engine (chat template unless --raw).")

    @Argument(help: ArgumentHelp(ModelLocation.argumentHelp)) var model: String
    @Option(help: "PEFT LoRA adapter directory to run with.") var adapter: String?
    @Option(help: "The user message (the whole text with --raw).") var prompt: String
    @Option(help: "System message (default: the Qwen2 template's \"\(ChatTemplate.defaultSystemPrompt)\").") var system: String?
    @Option(help: "Most tokens to generate.") var maxNewTokens = 256
    @Option(help: "0 for greedy decoding; otherwise sample at this temperature.") var temperature: Float = 0
    @Option(help: "Nucleus sampling: keep the most likely tokens up to this probability mass.") var topP: Float = 1
    @Option(help: "Keep only the K most likely tokens (0: all).") var topK = 0
    @Option(help: "Sampling seed.") var seed: UInt64 = 0
    @Option(help: "Stop when the text contains this string (not included in the output); repeatable.") var stop: [String] = []
    @Flag(help: "Feed --prompt as is, without the chat template.") var raw = false
    @OptionGroup var engine: EngineOptions
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    struct Completion: Encodable {
        var text: String
        var tokens: [Int32]
        var promptTokens: Int
        var finishReason: String
        enum CodingKeys: String, CodingKey { case text, tokens, promptTokens = "prompt_tokens", finishReason = "finish_reason" }
    }

    func validate() throws {
        if raw && system != nil { throw ValidationError("--system needs the chat template; drop --raw") }
        if stop.contains("") { throw ValidationError("--stop strings must not be empty") }
    }

    func run() throws {
        try engine.apply()
        let location = try ModelLocation(model, storeOptions: storeOptions)
        defer { location.cleanup() }
        let completion = try EngineErrorMapping.mapped { () throws -> Completion in
            let bundle = try location.loadBundle(adapter: adapter)
            let tokenizer = bundle.tokenizer
            var messages: [ChatMessage] = []
            if let system { messages.append(ChatMessage(role: "system", content: system)) }
            messages.append(ChatMessage(role: "user", content: prompt))
            let ids = raw ? tokenizer.encode(prompt) : try tokenizer.encodeChat(messages, addGenerationPrompt: true)
            let limit = bundle.model.config.maxPositionEmbeddings
            if ids.count > limit {
                throw CLIError.invalid("the prompt is \(ids.count) tokens, longer than the model's context of \(limit) tokens (max_position_embeddings)")
            }
            let stopIDs = ["<|im_end|>", "<|endoftext|>"].compactMap { tokenizer.id(of: $0) }.map(Int32.init)
            var produced: [Int] = []
            var stoppedByString = false
            let result = try Generator(model: bundle.model).generate(
                prompt: ids.map(Int32.init), maxNewTokens: maxNewTokens, temperature: temperature, topP: topP, topK: topK,
                seed: seed, stopTokenIds: stopIDs
            ) { token in
                produced.append(Int(token))
                if stop.isEmpty { return false }
                let text = tokenizer.decode(produced)
                stoppedByString = stop.contains { text.contains($0) }
                return stoppedByString
            }
            var text = tokenizer.decode(result.tokens.map(Int.init))
            if stoppedByString, let cut = stop.compactMap({ text.range(of: $0)?.lowerBound }).min() {
                text = String(text[..<cut])
            }
            let reason: String
            switch result.finishReason {
            case .stopToken: reason = "stop"
            case .callback: reason = "stop"
            case .length: reason = "length"
            case .contextFull: reason = "context"
            }
            return Completion(text: text, tokens: result.tokens, promptTokens: ids.count, finishReason: reason)
        }
        if output.json { try Output.printJSON(completion); return }
        print(completion.text)
    }
}
