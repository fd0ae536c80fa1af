import ArgumentParser
import Basics
import Engine
import Foundation
import Pipeline

/// The training run itself: hyper-parameters from a TOML file, overridden by flags; results,
/// the log and checkpoints in one output directory (see Pipeline's TrainingRun).
struct TrainRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train a model (the default subcommand: `iopo-exp train --objective ...`).",
        discussion: """
            SFT trains from scratch (--model-config, or [model] in the config file; a tokenizer is \
            trained on the data) or from --from. DPO, IOPO and the ablations fine-tune --from \
            (usually the SFT model), with LoRA when the config has a lora table or --lora-rank is \
            given; the reference is the model with the adapters off (LoRA) or as it was before \
            training. Writes OUT/model (Hugging Face, LoRA merged), OUT/adapter (PEFT, LoRA only), \
            OUT/train_log.jsonl, OUT/train_summary.json and OUT/checkpoints/step-N every \
            checkpoint_every steps and at the end. Progress (step, loss, reward accuracy, tokens/s, \
            time left) goes to stderr: one line in place on a terminal, plain lines otherwise. \
            Exit codes: 0 done, 1 training failed (e.g. a NaN loss: the error names the step and \
            the last good checkpoint), 2 invalid input.
            """)

    @Option(help: "The training objective.") var objective: TrainingObjective
    @Option(help: "Training data: a JSONL file, a JSON list, or a directory of JSONL shards (sharegpt SFT, pair or quadruple records).") var data: String
    @Option(help: "The model to start from: \(ModelLocation.argumentHelp)") var from: String?
    @Option(help: "Architecture to train from scratch: a Hugging Face config.json (Qwen2 fields).") var modelConfig: String?
    @Option(help: "Hyper-parameters (TOML; keys as in the train step: learning_rate, epochs, batch_size, beta, lora, ...).") var config: String?
    @Option(help: "Output directory (new or empty, unless resuming).") var out: String
    @Option(help: "Continue from a checkpoint directory (OUT/checkpoints/step-N) with the same data and settings.") var resume: String?

    @Option(help: "Override learning_rate.") var learningRate: Double?
    @Option(help: "Override epochs.") var epochs: Int?
    @Option(help: "Override batch_size (training units per optimizer step).") var batchSize: Int?
    @Option(help: "Override micro_batch_size (units per forward pass).") var microBatchSize: Int?
    @Option(help: "Override warmup_ratio.") var warmupRatio: Double?
    @Option(help: "Override weight_decay.") var weightDecay: Double?
    @Option(help: "Override max_grad_norm.") var maxGradNorm: Double?
    @Option(help: "Override beta.") var beta: Double?
    @Option(help: "Override label_smoothing.") var labelSmoothing: Double?
    @Option(help: "Override pref_ftx.") var prefFtx: Double?
    @Option(help: "Override the LoRA rank (0: full fine-tune).") var loraRank: Int?
    @Option(help: "Override lora alpha.") var loraAlpha: Double?
    @Option(help: "Override seed.") var seed: UInt64?
    @Option(help: "Override cutoff_length.") var cutoffLength: Int?
    @Option(help: "Override truncation: cut the response or drop the unit.") var truncation: TruncationPolicy?
    @Option(help: "Override checkpoint_every (0: only at the end).") var checkpointEvery: Int?
    @Option(help: "Override max_examples.") var maxExamples: Int?
    @OptionGroup var output: OutputOptions
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        if let loraRank, loraRank < 0 { throw ValidationError("--lora-rank must be 0 (full fine-tune) or positive") }
    }

    func run() throws {
        // A GGUF file or a store id is written out as a Hugging Face directory for the run.
        let location: ModelLocation?
        do { location = try from.map { try ModelLocation($0, storeOptions: storeOptions) } } catch let error as CLIError {
            throw CLIError(code: error.code, message: "--from \(error.message)")
        }
        defer { location?.cleanup() }
        var request = try makeRequest(fromDirectory: try location?.huggingFaceDirectory())
        if let from { request.adapterBaseModel = from }
        let progress = TrainProgress(terminal: isatty(2) == 1)
        let result: TrainingRunResult
        do {
            result = try TrainingRun.run(request) { progress.report($0) }
        } catch {
            progress.finish()
            switch error {
            case .invalidInput(let message): throw CLIError.invalid(message)
            case .failed(let message): throw CLIError(code: .failure, message: message)
            }
        }
        progress.finish()
        let s = result.summary
        if output.json {
            struct Summary: Encodable {
                var objective: String, steps: Int, units: Int, truncatedSequences: Int, droppedUnits: Int
                var model: String, adapter: String?, log: String, finalMetrics: [String: Double]
                enum CodingKeys: String, CodingKey {
                    case objective, steps, units, model, adapter, log
                    case truncatedSequences = "truncated_sequences", droppedUnits = "dropped_units", finalMetrics = "final_metrics"
                }
            }
            try Output.printJSON(Summary(objective: request.config.objective.rawValue, steps: s.steps, units: s.data.units,
                                         truncatedSequences: s.data.truncatedSequences, droppedUnits: s.data.droppedUnits,
                                         model: result.model.path, adapter: result.adapter?.path, log: result.log.path,
                                         finalMetrics: s.finalMetrics.filter { $0.value.isFinite }))
            return
        }
        var line = "trained \(request.config.objective.rawValue): \(s.steps) steps on \(s.data.units) units"
        if let loss = s.finalMetrics["loss"] { line += ", final loss \(String(format: "%.4f", loss))" }
        if let accuracy = TrainProgress.accuracy(s.finalMetrics) { line += ", reward accuracy \(accuracy)" }
        line += "; model \(result.model.path)"
        if let adapter = result.adapter { line += ", adapter \(adapter.path)" }
        line += ", log \(result.log.path)"
        print(line)
    }

    /// The config file merged with the flags, checked.
    func makeRequest(fromDirectory: URL?) throws -> TrainingRunRequest {
        var file = TrainingConfigFile()
        if let config {
            do { file = try TrainingConfigFile.load(URL(fileURLWithPath: config)) } catch { throw CLIError.invalid("\(error)") }
        }
        var c = file.config
        c.objective = objective
        if let v = learningRate { c.learningRate = v }
        if let v = epochs { c.epochs = v }
        if let v = batchSize {
            c.batchSize = v
            if !file.microBatchSizeGiven { c.microBatchSize = v }
        }
        if let v = microBatchSize { c.microBatchSize = v }
        if let v = warmupRatio { c.warmupRatio = v }
        if let v = weightDecay { c.weightDecay = v }
        if let v = maxGradNorm { c.maxGradNorm = v }
        if let v = beta { c.beta = v }
        if let v = labelSmoothing { c.labelSmoothing = v }
        if let v = prefFtx { c.prefFTX = v }
        if let v = seed { c.seed = v }
        if let v = cutoffLength { c.cutoffLength = v }
        if let v = checkpointEvery { c.checkpointEvery = v }
        if let v = truncation { c.truncation = v }
        if let rank = loraRank, rank == 0 {
            c.lora = nil
        } else if loraRank != nil || loraAlpha != nil {
            let base = c.lora ?? LoRAConfig(rank: 8, alpha: 16)
            c.lora = LoRAConfig(rank: loraRank ?? base.rank, alpha: loraAlpha.map { Float($0) } ?? base.alpha, targetModules: base.targetModules)
        }
        do { try c.validate() } catch { throw CLIError.invalid("\(error)") }
        if let lora = c.lora {
            do { try lora.validate() } catch { throw CLIError.invalid("\(error)") }
        }
        var modelConfig = file.model
        if let path = self.modelConfig { modelConfig = try TrainRunCommand.readModelConfig(path) }
        return TrainingRunRequest(config: c, data: URL(fileURLWithPath: data), from: fromDirectory,
                                  modelConfig: modelConfig, output: URL(fileURLWithPath: out), resume: resume.map { URL(fileURLWithPath: $0) },
                                  systemPrompt: file.systemPrompt, maxExamples: maxExamples ?? file.maxExamples)
    }

    /// A Hugging Face config.json: the Qwen2 fields, others ignored.
    static func readModelConfig(_ path: String) throws -> DecoderConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError.invalid("--model-config \(path): no such file") }
        do {
            let config = try JSONDecoder().decode(DecoderConfig.self, from: data)
            try config.validate()
            return config
        } catch {
            throw CLIError.invalid("--model-config \(path): \(DecodingError.describe(error))")
        }
    }
}
