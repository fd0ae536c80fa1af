import Basics
import Engine
import Foundation

// One training run as `iopo-exp train` performs it, outside the store: read the data, build or
// load the model, train (or resume) with checkpoints, and write the results into one directory:
//
//   OUT/model/                    Hugging Face Qwen2 directory (LoRA merged), with the tokenizer
//   OUT/adapter/                  PEFT LoRA adapter (LoRA runs only)
//   OUT/train_log.jsonl           one canonical JSON line per optimizer step
//   OUT/train_summary.json        the data preparation counts, steps and final metrics
//   OUT/checkpoints/step-N/       resumable checkpoints (every checkpoint_every steps and the end),
//                                 each with the log so far and, for a model trained from scratch,
//                                 its tokenizer

/// What one run needs.
public struct TrainingRunRequest: Sendable {
    public var config: TrainingConfig
    /// Training data: a JSONL file, a JSON list, or a directory of JSONL shards.
    public var data: URL
    /// A Hugging Face model directory to start from.
    public var from: URL?
    /// The architecture to train from scratch (with a tokenizer trained on the data); with
    /// `from`, the shapes the model must have.
    public var modelConfig: DecoderConfig?
    public var output: URL
    /// A checkpoint directory (OUT/checkpoints/step-N) to continue from.
    public var resume: URL?
    public var systemPrompt: String
    public var maxExamples: Int?
    /// Where checkpoints go (default OUT/checkpoints); the pipeline keeps them outside the step's
    /// scratch area so that a killed run can continue.
    public var checkpoints: URL?
    /// Whether the finished model is also written as a checkpoint (the pipeline stores it as the
    /// step's outputs instead).
    public var finalCheckpoint: Bool
    /// More files saved with every checkpoint (the pipeline's metric points).
    public var checkpointFiles: (@Sendable () -> [String: Data])?
    /// The base model named in the adapter's config (default: the `from` path, or "scratch").
    public var adapterBaseModel: String?

    public init(config: TrainingConfig, data: URL, from: URL? = nil, modelConfig: DecoderConfig? = nil, output: URL,
                resume: URL? = nil, systemPrompt: String = ChatTemplate.defaultSystemPrompt, maxExamples: Int? = nil,
                checkpoints: URL? = nil, finalCheckpoint: Bool = true, checkpointFiles: (@Sendable () -> [String: Data])? = nil,
                adapterBaseModel: String? = nil) {
        self.config = config
        self.data = data
        self.from = from
        self.modelConfig = modelConfig
        self.output = output
        self.resume = resume
        self.systemPrompt = systemPrompt
        self.maxExamples = maxExamples
        self.checkpoints = checkpoints
        self.finalCheckpoint = finalCheckpoint
        self.checkpointFiles = checkpointFiles
        self.adapterBaseModel = adapterBaseModel
    }
}

/// What a run reports while it works.
public enum TrainingRunEvent: Sendable {
    /// A line worth keeping in any log (data counts, tokenizer training, resumption).
    case message(String)
    case step(TrainingStepLog)
    case checkpoint(step: Int, path: String)
}

/// Where a finished run put its results.
public struct TrainingRunResult: Sendable {
    public var summary: TrainingSummary
    public var model: URL
    public var adapter: URL?
    public var log: URL
    /// The step the run resumed after (nil: started from step 0).
    public var resumedAt: Int?
}

/// A run that could not start or did not finish: bad input (exit 2) or a failure while training (exit 1).
public enum TrainingRunError: Error, CustomStringConvertible, Sendable {
    case invalidInput(String)
    case failed(String)

    public var description: String {
        switch self {
        case .invalidInput(let message), .failed(let message): return message
        }
    }
}

/// Runs one training job end to end into an output directory (the layout at the top of this file).
public enum TrainingRun {
    /// Runs `request` to the end, reporting through `events`.
    public static func run(_ request: TrainingRunRequest, events: @escaping (TrainingRunEvent) -> Void) throws(TrainingRunError) -> TrainingRunResult {
        let fileManager = FileManager.default
        let output = request.output
        if request.resume == nil, let existing = try? fileManager.contentsOfDirectory(atPath: output.path), !existing.isEmpty {
            throw .invalidInput("\(output.path) already exists and is not empty; choose a new directory, or continue a run with --resume \(output.path)/checkpoints/step-N")
        }
        if let resume = request.resume, !fileManager.fileExists(atPath: resume.appendingPathComponent("trainer_state.json").path) {
            throw .invalidInput("\(resume.path) is not a checkpoint directory (no trainer_state.json)")
        }

        // Data.
        let texts: [TrainingText]
        do { texts = try TrainingTexts.load(request.data, limit: request.maxExamples) } catch {
            throw .invalidInput("training data: \(error)")
        }
        if texts.isEmpty { throw .invalidInput("training data \(request.data.path) holds no examples") }

        // Model and tokenizer.
        let bundle: ModelBundle
        let scratch = request.from == nil
        if let from = request.from {
            do { bundle = try ModelBundle.load(directory: from) } catch {
                throw .invalidInput("--from \(from.path): \(error)")
            }
            if let expected = request.modelConfig, let field = firstDifference(expected, bundle.model.config) {
                throw .invalidInput("--from \(from.path): the model's \(field.name) is \(field.found), but the model config says \(field.expected)")
            }
        } else {
            guard let modelConfig = request.modelConfig else {
                throw .invalidInput("give a model to start from (--from MODEL_DIR) or an architecture to train from scratch (--model-config FILE or [model] in the config)")
            }
            guard request.config.objective == .sft else {
                throw .invalidInput("\(request.config.objective.rawValue) fine-tunes an existing model: give --from MODEL_DIR (usually the SFT model)")
            }
            let tokenizer: BPETokenizer
            if let resume = request.resume, let saved = try? HFModelDirectory.readTokenizer(from: resume) {
                tokenizer = saved
            } else {
                events(.message("training a \(modelConfig.vocabSize)-token tokenizer on \(texts.count) examples"))
                do { tokenizer = try TrainingEncoding.trainTokenizer(on: texts, vocabularySize: modelConfig.vocabSize) } catch {
                    throw .invalidInput("cannot train a tokenizer of \(modelConfig.vocabSize) tokens on this data: \(error)")
                }
            }
            do { bundle = ModelBundle(model: try DecoderModel(config: modelConfig, seed: request.config.seed), tokenizer: tokenizer) } catch {
                throw .invalidInput("model config: \(error)")
            }
        }
        let encoding: TrainingEncoding
        do { encoding = try TrainingEncoding(tokenizer: bundle.tokenizer, systemPrompt: request.systemPrompt) } catch {
            throw .invalidInput("\(error)")
        }
        let examples: [TrainingExample]
        do { examples = try texts.map(encoding.encode) } catch {
            throw .invalidInput("\(error)")
        }

        // Trainer.
        let trainer: Trainer
        var logLines: [String] = []
        do {
            if let resume = request.resume {
                trainer = try Trainer.resume(from: resume, baseModel: bundle.model, config: request.config, examples: examples)
                if let data = fileManager.contents(atPath: resume.appendingPathComponent("train_log.jsonl").path) {
                    logLines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init).prefix(trainer.completedSteps).map { $0 }
                }
                events(.message("resuming from \(resume.path) after step \(trainer.completedSteps) of \(trainer.totalSteps)"))
            } else {
                trainer = try Trainer(model: bundle.model, config: request.config, examples: examples)
            }
        } catch let error as TrainingError {
            throw .invalidInput("\(error)")
        } catch {
            throw .invalidInput("\(error)")
        }
        let data = trainer.data
        events(.message("\(request.config.objective.rawValue): \(data.units) training units (\(data.truncatedSequences) sequences truncated to cutoff_length \(request.config.cutoffLength), \(data.droppedUnits) units dropped), \(trainer.totalSteps) optimizer steps"))
        let resumedAt = request.resume == nil ? nil : trainer.completedSteps

        // Train.
        let logURL = output.appendingPathComponent("train_log.jsonl")
        let checkpoints = request.checkpoints ?? output.appendingPathComponent("checkpoints")
        var extra: [String: Data] = [:]
        if scratch {
            extra["tokenizer.json"] = Data(HFTokenizerJSON.encode(bundle.tokenizer))
            extra["tokenizer_config.json"] = Data(JSONWriter.canonicalIndented.bytes(HFTokenizerConfig.document(for: bundle.tokenizer)))
        }
        func logText() -> Data { Data(logLines.map { $0 + "\n" }.joined().utf8) }
        let summary: TrainingSummary
        do {
            try fileManager.createDirectory(at: output, withIntermediateDirectories: true)
            try fileManager.createDirectory(at: checkpoints, withIntermediateDirectories: true)
            summary = try trainer.train(checkpoint: { step in
                let url = checkpoints.appendingPathComponent("step-\(step)")
                if step == trainer.totalSteps && !request.finalCheckpoint { return url.path }
                var files = extra.merging(request.checkpointFiles?() ?? [:]) { ours, _ in ours }
                files["train_log.jsonl"] = logText()
                try trainer.saveCheckpoint(to: url, extraFiles: files)
                try AtomicFile.write(logText(), to: logURL.path)
                events(.checkpoint(step: step, path: url.path))
                return url.path
            }, onStep: { step in
                logLines.append(step.jsonLine())
                events(.step(step))
            })
        } catch let error as TrainingError {
            // The log so far stays, beside the last good checkpoint the error names.
            try? AtomicFile.write(logText(), to: logURL.path)
            throw .failed("\(error)")
        } catch {
            try? AtomicFile.write(logText(), to: logURL.path)
            throw .failed("training stopped: \(error)")
        }

        // Results.
        let modelURL = output.appendingPathComponent("model")
        let adapterURL = output.appendingPathComponent("adapter")
        // The trained model is the trainer's: a resumed full fine-tune holds the checkpoint's
        // weights in a new model, while the bundle's stays the base (the reference).
        let trained = ModelBundle(model: trainer.model, tokenizer: bundle.tokenizer)
        do {
            try AtomicFile.write(logText(), to: logURL.path)
            try trained.export(to: modelURL)
            if request.config.lora != nil {
                try trained.exportAdapter(to: adapterURL, baseModel: request.adapterBaseModel ?? request.from?.path ?? "scratch")
            }
            try AtomicFile.write(Data(summaryJSON(summary, config: request.config).utf8), to: output.appendingPathComponent("train_summary.json").path)
        } catch {
            throw .failed("writing the results to \(output.path): \(error)")
        }
        return TrainingRunResult(summary: summary, model: modelURL, adapter: request.config.lora != nil ? adapterURL : nil,
                                 log: logURL, resumedAt: resumedAt)
    }

    /// The first architecture field where `found` differs from `expected`, with both values.
    static func firstDifference(_ expected: DecoderConfig, _ found: DecoderConfig) -> (name: String, expected: String, found: String)? {
        let fields: [(String, String, String)] = [
            ("hidden_size", "\(expected.hiddenSize)", "\(found.hiddenSize)"),
            ("num_hidden_layers", "\(expected.numHiddenLayers)", "\(found.numHiddenLayers)"),
            ("num_attention_heads", "\(expected.numAttentionHeads)", "\(found.numAttentionHeads)"),
            ("num_key_value_heads", "\(expected.numKeyValueHeads)", "\(found.numKeyValueHeads)"),
            ("intermediate_size", "\(expected.intermediateSize)", "\(found.intermediateSize)"),
            ("vocab_size", "\(expected.vocabSize)", "\(found.vocabSize)"),
            ("max_position_embeddings", "\(expected.maxPositionEmbeddings)", "\(found.maxPositionEmbeddings)"),
            ("rms_norm_eps", "\(expected.rmsNormEps)", "\(found.rmsNormEps)"),
            ("rope_theta", "\(expected.ropeTheta)", "\(found.ropeTheta)"),
            ("tie_word_embeddings", "\(expected.tieWordEmbeddings)", "\(found.tieWordEmbeddings)"),
        ]
        return fields.first { $0.1 != $0.2 }.map { (name: $0.0, expected: $0.1, found: $0.2) }
    }

    /// train_summary.json: canonical JSON (sorted keys, no whitespace, `CanonicalNumber`
    /// numbers) and a final newline; no wall-clock values.
    static func summaryJSON(_ summary: TrainingSummary, config: TrainingConfig) -> String {
        JSONWriter.canonical.string(.object([
            "objective": .string(config.objective.rawValue),
            "steps": .int(summary.steps),
            "units": .int(summary.data.units),
            "truncated_sequences": .int(summary.data.truncatedSequences),
            "dropped_units": .int(summary.data.droppedUnits),
            "final_metrics": .object(summary.finalMetrics.mapValues(CanonicalNumber.json)),
        ])) + "\n"
    }
}
