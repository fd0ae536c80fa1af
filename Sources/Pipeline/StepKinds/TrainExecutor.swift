import Basics
import Engine
import Foundation

/// `kind = "train"`: trains with the bundled engine — SFT from scratch (a `[model.NAME]` config
/// and a tokenizer trained on the data) or from a model, and DPO, IOPO and the IOPO ablations,
/// usually as LoRA fine-tunes of the SFT model. Outputs the model as a Hugging Face directory
/// (adapters merged), the PEFT adapter when LoRA is used, and the per-step training log.
public struct TrainExecutor: StepExecutor {
    public init() {}

    public let kind = "train"
    public let keepsResumableState = true
    public let summary = "Train SFT, DPO, IOPO or an IOPO ablation with the bundled engine."

    public var schema: ParameterSchema {
        let d = TrainingConfig(objective: .sft)
        return ParameterSchema([
            .required("objective", .choice(TrainingObjective.allCases.map(\.rawValue)), "sft, dpo, iopo, iopo-no-input or iopo-no-output."),
            .required("data", .input, "Training data: a directory of JSONL shards or a file (\"data.train\")."),
            .optional("model", .modelName, "Train from scratch with this [model.NAME] config (Hugging Face Qwen2 fields)."),
            .optional("from", .input, "Start from this model directory (\"sft.model\")."),
            .optional("learning_rate", .number, default: .number(d.learningRate)),
            .optional("epochs", .integer, default: .integer(d.epochs)),
            .optional("warmup_ratio", .number, default: .number(d.warmupRatio)),
            .optional("batch_size", .integer, default: .integer(d.batchSize), "Training units per optimizer step."),
            .optional("micro_batch_size", .integer, default: .integer(d.microBatchSize), "Units per forward pass (gradient accumulation)."),
            .optional("max_grad_norm", .number, default: .number(d.maxGradNorm)),
            .optional("weight_decay", .number, default: .number(d.weightDecay)),
            .optional("cutoff_length", .integer, default: .integer(d.cutoffLength), "Longest prompt + response in tokens."),
            .optional("truncation", .choice(["response", "drop"]), default: .string("response")),
            .optional("beta", .number, default: .number(d.beta)),
            .optional("label_smoothing", .number, default: .number(d.labelSmoothing)),
            .optional("pref_ftx", .number, default: .number(d.prefFTX), "Weight of the SFT term in preference objectives."),
            .optional("lora", .object([
                .required("rank", .integer),
                .required("alpha", .number),
                .optional("target_modules", .array(.string)),
            ]), "LoRA adapters to train (absent: full fine-tune)."),
            .optional("max_examples", .integer, "Use only the first N examples of the data."),
            .optional("system_prompt", .string, default: .string(ChatTemplate.defaultSystemPrompt)),
        ])
    }

    public func outputs(for params: StepParameters) throws -> [OutputDeclaration] {
        var outputs = [
            OutputDeclaration("model", .directory, "Hugging Face Qwen2 directory (adapters merged)"),
            OutputDeclaration("log", .file, "one JSON line per optimizer step"),
        ]
        if params["lora"] != nil { outputs.insert(OutputDeclaration("adapter", .directory, "PEFT LoRA adapter"), at: 1) }
        return outputs
    }

    public func validate(_ params: StepParameters, inputNames: [String]) -> [ParameterProblem] {
        var problems: [ParameterProblem] = []
        let hasModel = params["model"] != nil, hasFrom = params["from"] != nil
        if hasModel == hasFrom {
            problems.append(ParameterProblem(path: .root, message: "give exactly one of `model` (train from scratch) and `from` (start from a model)"))
        }
        if let objective = params["objective"]?.stringValue, objective != "sft", hasModel {
            problems.append(ParameterProblem(path: SpecPath(keys: ["model"]), message: "\(objective) needs a starting model (`from`), not a fresh one"))
        }
        do { _ = try TrainExecutor.config(params, seed: 1).validate() } catch {
            problems.append(ParameterProblem(path: .root, message: "\(error)"))
        }
        return problems
    }

    static func config(_ params: StepParameters, seed: Int) throws -> TrainingConfig {
        guard let objective = TrainingObjective(rawValue: try params.string("objective")) else {
            throw StepFailure.parameter("objective", "unknown objective")
        }
        var lora: LoRAConfig?
        if let table = params["lora"]?.tableValue {
            let targets = try (table["target_modules"]?.arrayValue ?? LoRATarget.allCases.map { .string($0.rawValue) }).map { value -> LoRATarget in
                guard let name = value.stringValue, let target = LoRATarget(rawValue: name) else {
                    throw StepFailure.parameter("lora.target_modules", "\(value.displayText) is not one of \(LoRATarget.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return target
            }
            lora = LoRAConfig(rank: table["rank"]?.intValue ?? 8, alpha: Float(table["alpha"]?.doubleValue ?? 16), targetModules: targets)
        }
        return TrainingConfig(
            objective: objective, learningRate: try params.double("learning_rate"), epochs: try params.int("epochs"),
            warmupRatio: try params.double("warmup_ratio"), batchSize: try params.int("batch_size"),
            microBatchSize: try params.int("micro_batch_size"), maxGradNorm: try params.double("max_grad_norm"),
            weightDecay: try params.double("weight_decay"), seed: UInt64(seed), cutoffLength: try params.int("cutoff_length"),
            truncation: TruncationPolicy(rawValue: try params.string("truncation")) ?? .response, beta: try params.double("beta"),
            labelSmoothing: try params.double("label_smoothing"), prefFTX: try params.double("pref_ftx"), lora: lora)
    }

    /// Decodes a `[model.NAME]` table (Hugging Face field names) into the engine's config.
    static func modelConfig(_ table: SpecValue) throws -> DecoderConfig {
        do {
            let config = try JSONDecoder().decode(DecoderConfig.self, from: Data(table.canonicalJSON.utf8))
            try config.validate()
            return config
        } catch { throw StepFailure.parameter("model", "not a usable Qwen2 config: \(DecodingError.describe(error))") }
    }

    /// Optimizer steps between the checkpoints a `train` step leaves in its resume directory
    /// while it runs, so that a killed run continues where it stopped. Not a parameter and not
    /// in the key: a resumed step produces the same bytes as an uninterrupted one.
    static let checkpointEvery = 20
    /// Where in the step's scratch directory the training run writes (see `TrainingRun`); the
    /// model, adapter and log are then moved to the step's outputs.
    static let runDirectory = "training"

    public func execute(_ context: StepContext) throws -> StepResult {
        let params = context.params
        var config = try TrainExecutor.config(params, seed: context.seed)
        if context.resumeDirectory != nil { config.checkpointEvery = TrainExecutor.checkpointEvery }
        guard let dataURL = try context.input("data").url else { throw StepFailure.invalidInput("data", reason: "expected a file or directory") }
        var from: MaterializedInput?
        var modelConfig: DecoderConfig?
        if let modelTable = params["model"] {
            modelConfig = try TrainExecutor.modelConfig(modelTable)
        } else {
            from = try context.input("from")
            guard from?.url != nil else { throw StepFailure.invalidInput("from", reason: "expected a model directory") }
        }
        let systemPrompt = try params.string("system_prompt")
        let metrics = context.metrics
        func request(resume: URL?) -> TrainingRunRequest {
            TrainingRunRequest(config: config, data: dataURL, from: from?.url, modelConfig: modelConfig,
                               output: context.workDirectory.appendingPathComponent(TrainExecutor.runDirectory), resume: resume,
                               systemPrompt: systemPrompt,
                               maxExamples: params["max_examples"]?.intValue,
                               checkpoints: context.resumeDirectory, finalCheckpoint: false,
                               checkpointFiles: { TrainResumeState.files(metrics.all) },
                               adapterBaseModel: from?.id ?? "scratch")
        }
        func events(_ event: TrainingRunEvent) {
            switch event {
            case .message(let text): context.progress.log(text)
            case .checkpoint(let step, _): if let resume = context.resumeDirectory { TrainResumeState.removeOthers(than: step, in: resume) }
            case .step(let step):
                for key in step.metrics.keys.sorted() { metrics.record(key, step.metrics[key]!, index: step.step) }
                metrics.record("learning_rate", step.learningRate, index: step.step)
                metrics.record("grad_norm", step.gradientNorm, index: step.step)
                // (String(format:) with %@ and a Swift String is not portable: build the text by parts.)
                var message = String(format: "loss %.4f", step.metrics["loss"] ?? .nan)
                if let accuracy = step.metrics["rewards/accuracies"] ?? step.metrics["rewards/accuracies_v1"] {
                    message += String(format: " acc %.2f", accuracy)
                }
                message += String(format: " %.0f tok/s", step.tokensPerSecond)
                context.progress.update(completed: step.step, total: step.totalSteps, message)
            }
        }

        // Continue an interrupted attempt at this key from its last checkpoint, with the curve
        // points recorded before it; a checkpoint that cannot be used is reported and dropped.
        var result: TrainingRunResult?
        if let resume = context.resumeDirectory, let checkpoint = TrainResumeState.latest(in: resume) {
            do {
                for point in try TrainResumeState.restore(from: checkpoint) { metrics.record(point.key, point.value, index: point.index!) }
                result = try TrainingRun.run(request(resume: checkpoint), events: events)
            } catch TrainingRunError.failed(let message) {
                throw StepFailure.message(message)
            } catch {
                // Refused before training started (not this run's checkpoint, damaged files).
                context.progress.log("cannot resume from \(checkpoint.path) (\(error)); starting over")
                metrics.removeAll()
                Scratch.remove(resume)
                Scratch.remove(context.workDirectory.appendingPathComponent(TrainExecutor.runDirectory))
            }
        }
        let finished: TrainingRunResult
        do { finished = try result ?? TrainingRun.run(request(resume: nil), events: events) } catch {
            throw StepFailure.message("\(error)")
        }
        try FileManager.default.moveItem(at: finished.log, to: context.outputURL("log"))
        try FileManager.default.moveItem(at: finished.model, to: context.outputURL("model"))
        if let adapter = finished.adapter { try FileManager.default.moveItem(at: adapter, to: context.outputURL("adapter")) }
        let summary = finished.summary
        for key in summary.finalMetrics.keys.sorted() { metrics.record(key, summary.finalMetrics[key]!) }
        context.metrics.record("units", Double(summary.data.units))
        context.metrics.record("truncated_sequences", Double(summary.data.truncatedSequences))
        context.metrics.record("dropped_units", Double(summary.data.droppedUnits))
        return StepResult()
    }
}
