import Engine
import Foundation

/// `kind = "train"`: trains with the bundled engine — SFT from scratch (a `[model.NAME]` config
/// and a tokenizer trained on the data) or from a model, and DPO, IOPO and the IOPO ablations,
/// usually as LoRA fine-tunes of the SFT model. Outputs the model as a Hugging Face directory
/// (adapters merged), the PEFT adapter when LoRA is used, and the per-step training log.
public struct TrainExecutor: StepExecutor {
    public init() {}

    public let kind = "train"
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
    static func modelConfig(_ table: SpecValue) throws -> Qwen2Config {
        do {
            let config = try JSONDecoder().decode(Qwen2Config.self, from: Data(table.canonicalJSON.utf8))
            try config.validate()
            return config
        } catch { throw StepFailure.parameter("model", "not a usable Qwen2 config: \(error)") }
    }

    /// Optimizer steps between the checkpoints a `train` step leaves in its resume directory
    /// while it runs, so that a killed run continues where it stopped. Not a parameter and not
    /// in the key: a resumed step produces the same bytes as an uninterrupted one.
    static let checkpointEvery = 20

    public func execute(_ context: StepContext) throws -> StepResult {
        let params = context.params
        var config = try TrainExecutor.config(params, seed: context.seed)
        if context.resumeDirectory != nil { config.checkpointEvery = TrainExecutor.checkpointEvery }
        guard let dataURL = try context.input("data").url else { throw StepFailure.invalidInput("data", reason: "expected a file or directory") }
        let texts = try TrainingTexts.load(dataURL, limit: params["max_examples"]?.intValue)
        var baseName = "scratch"
        func loadBundle() throws -> ModelBundle {
            if let modelTable = params["model"] {
                let modelConfig = try TrainExecutor.modelConfig(modelTable)
                context.progress.log("training a \(modelConfig.vocabSize)-token tokenizer on \(texts.count) examples")
                let tokenizer = try TrainingEncoding.trainTokenizer(on: texts, vocabularySize: modelConfig.vocabSize)
                return ModelBundle(model: try Qwen2Model(config: modelConfig, seed: UInt64(context.seed)), tokenizer: tokenizer)
            }
            let from = try context.input("from")
            guard let url = from.url else { throw StepFailure.invalidInput("from", reason: "expected a model directory") }
            baseName = from.id
            return try ModelBundle.load(directory: url)
        }
        var bundle = try loadBundle()
        let encoding = try TrainingEncoding(tokenizer: bundle.tokenizer, systemPrompt: try params.string("system_prompt"))
        let examples = texts.map(encoding.encode)

        // Continue an interrupted attempt at this key when it left a checkpoint.
        var logLines: [String] = []
        var trainer: Trainer? = nil
        if let resume = context.resumeDirectory, let checkpoint = TrainResumeState.latest(in: resume) {
            do {
                let saved = try TrainResumeState.restore(from: checkpoint)
                let resumed = try Trainer.resume(from: checkpoint, baseModel: bundle.model, config: config, examples: examples)
                logLines = Array(saved.log.prefix(resumed.completedSteps))
                for point in saved.metrics where point.index.map({ $0 <= resumed.completedSteps }) ?? false {
                    context.metrics.record(point.key, point.value, index: point.index!)
                }
                trainer = resumed
                context.progress.log("resuming after step \(resumed.completedSteps) of \(resumed.totalSteps) from \(checkpoint.path)")
            } catch {
                // Unusable (written by another version, damaged): start over from a fresh model.
                context.progress.log("cannot resume from \(checkpoint.path) (\(error)); starting over")
                Scratch.remove(resume)
                bundle = try loadBundle()
            }
        }
        let training = try trainer ?? Trainer(model: bundle.model, config: config, examples: examples)
        context.progress.log("\(config.objective.rawValue) on \(training.data.units) units (\(training.data.truncatedSequences) sequences truncated, \(training.data.droppedUnits) units dropped), \(training.totalSteps) optimizer steps")
        let checkpoint: ((Int) throws -> String)? = context.resumeDirectory.map { resume in
            { step in
                let url = resume.appendingPathComponent("step-\(step)")
                // The finished model is stored as the step's outputs, not kept as a checkpoint.
                guard step < training.totalSteps else { return url.path }
                try training.saveCheckpoint(to: url, extraFiles: TrainResumeState.files(log: logLines, metrics: context.metrics.all))
                TrainResumeState.removeOthers(than: step, in: resume)
                return url.path
            }
        }
        let summary = try training.train(checkpoint: checkpoint, onStep: { step in
            logLines.append(step.jsonLine())
            for key in step.metrics.keys.sorted() { context.metrics.record(key, step.metrics[key]!, index: step.step) }
            context.metrics.record("learning_rate", step.learningRate, index: step.step)
            context.metrics.record("grad_norm", step.gradientNorm, index: step.step)
            // (String(format:) with %@ and a Swift String is not portable: build the text by parts.)
            var message = String(format: "loss %.4f", step.metrics["loss"] ?? .nan)
            if let accuracy = step.metrics["rewards/accuracies"] ?? step.metrics["rewards/accuracies_v1"] {
                message += String(format: " acc %.2f", accuracy)
            }
            message += String(format: " %.0f tok/s", step.tokensPerSecond)
            context.progress.update(completed: step.step, total: step.totalSteps, message)
        })
        try Data(logLines.map { $0 + "\n" }.joined().utf8).write(to: context.outputURL("log"))
        // The trainer's model: a resumed full fine-tune holds the checkpoint's weights in a new
        // model (the bundle's stays the base); for LoRA the two are the same object.
        let trained = ModelBundle(model: training.model, tokenizer: bundle.tokenizer)
        try trained.export(to: context.outputURL("model"))
        if config.lora != nil { try trained.exportAdapter(to: context.outputURL("adapter"), baseModel: baseName) }
        for key in summary.finalMetrics.keys.sorted() { context.metrics.record(key, summary.finalMetrics[key]!) }
        context.metrics.record("units", Double(summary.data.units))
        context.metrics.record("truncated_sequences", Double(summary.data.truncatedSequences))
        context.metrics.record("dropped_units", Double(summary.data.droppedUnits))
        return StepResult()
    }
}
