import ArgumentParser
import Basics
import Engine
import Foundation

/// `model parity-dump` (hidden; used by scripts/parity/run.sh): the engine's logits, loss,
/// per-sequence log-probabilities, gradients of one backward and greedy generation for the token
/// sequences of a request file, written in the reference format of scripts/parity/model_parity.py.
struct ModelParityDumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parity-dump",
        abstract: "Write the engine's logits, loss, log-probs, gradients and greedy tokens for a parity request (scripts/parity).",
        discussion: """
            --tokens is a JSON object: input_ids [[int]], optional loss_mask and response_mask \
            ([[0|1]] aligned with input_ids) and generate {prompt_ids, max_new_tokens, \
            eos_token_id}. The output is that object plus logits, loss, logprobs, gradients (all \
            base parameters, or only the LoRA tensors with --adapter) and generate.ids/text; \
            `scripts/parity/model_parity.py check MODEL OUT.json` compares it with transformers.
            """,
        shouldDisplay: false)

    @Argument(help: ArgumentHelp(ModelLocation.argumentHelp)) var model: String
    @Option(help: "PEFT LoRA adapter directory to run with (unmerged).") var adapter: String?
    @Option(help: "Request file (JSON).") var tokens: String
    @Option(help: "Output file (JSON).") var out: String
    @OptionGroup var engine: EngineOptions
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try engine.apply()
        guard let data = FileManager.default.contents(atPath: tokens) else { throw CLIError.invalid("\(tokens): cannot read the request file") }
        let location = try ModelLocation(model, storeOptions: storeOptions)
        defer { location.cleanup() }
        let bytes = try EngineErrorMapping.mapped { () throws -> [UInt8] in
            let request: JSONValue
            do throws(JSONSyntaxError) { request = try JSONParser.parse(bytes: [UInt8](data), options: .interchange) } catch {
                throw CLIError.invalid("\(tokens): not valid JSON: \(error.description)")
            }
            let bundle = try location.loadBundle(adapter: adapter)
            let result = try ModelParityDump.run(model: bundle.model, request: request, tokenizer: bundle.tokenizer)
            return try JSONWriter.canonical.checkedBytes(result)
        }
        do throws(FileSystemError) { try AtomicFile.write(bytes, to: out) } catch {
            throw CLIError(code: .failure, message: "\(out): cannot write: \(error.detail)")
        }
        print("wrote \(out) (OpenBLAS \(BLASRuntime.coreName), \(BLASRuntime.threadCount) thread\(BLASRuntime.threadCount == 1 ? "" : "s"))")
    }
}
