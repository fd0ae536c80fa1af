import Foundation

/// The objective a training run optimises.
public enum TrainingObjective: String, Codable, Sendable, CaseIterable {
    /// Response-only causal-LM loss.
    case sft
    /// Sigmoid DPO.
    case dpo
    /// Input-output preference optimisation.
    case iopo
    /// IOPO without the input-preference terms (paper Table 4).
    case iopoNoInput = "iopo-no-input"
    /// IOPO without the output-preference terms (paper Table 4).
    case iopoNoOutput = "iopo-no-output"

    var iopoVariant: IOPOVariant? {
        switch self {
        case .iopo: return .full
        case .iopoNoInput: return .withoutInputPreference
        case .iopoNoOutput: return .withoutOutputPreference
        case .sft, .dpo: return nil
        }
    }

    /// Sequences scored per training unit: 1 (SFT), 2 (a DPO pair), 4 (an IOPO quadruple).
    public var sequencesPerUnit: Int {
        switch self {
        case .sft: return 1
        case .dpo: return 2
        case .iopo, .iopoNoInput, .iopoNoOutput: return 4
        }
    }
}

/// What to do with a sequence longer than `cutoffLength`.
public enum TruncationPolicy: String, Codable, Sendable, CaseIterable {
    /// Cut the response's tail so prompt + response fit (LLaMA-Factory keeps the prompt).
    case response
    /// Drop the whole training unit.
    case drop
}

/// Every hyper-parameter of a training run. Field names are the experiment file's keys.
public struct TrainingConfig: Codable, Sendable, Equatable {
    public var objective: TrainingObjective
    public var learningRate: Double
    public var epochs: Int
    public var warmupRatio: Double
    /// Training units (SFT sequences, DPO pairs, IOPO quadruples) per optimizer step.
    public var batchSize: Int
    /// Units per forward/backward; gradients accumulate over batchSize / microBatchSize passes.
    public var microBatchSize: Int
    public var maxGradNorm: Double
    public var weightDecay: Double
    public var seed: UInt64
    public var cutoffLength: Int
    public var truncation: TruncationPolicy
    public var beta: Double
    public var labelSmoothing: Double
    /// Weight of the length-normalised SFT term on the chosen responses (0 = none).
    public var prefFTX: Double
    /// LoRA adapters to train (nil = full fine-tune).
    public var lora: LoRAConfig?
    /// Save a resumable checkpoint every this many optimizer steps (0 = only at the end).
    public var checkpointEvery: Int

    public init(objective: TrainingObjective, learningRate: Double = 1e-4, epochs: Int = 1, warmupRatio: Double = 0.1,
                batchSize: Int = 8, microBatchSize: Int = 8, maxGradNorm: Double = 1.0, weightDecay: Double = 0,
                seed: UInt64 = 1, cutoffLength: Int = 512, truncation: TruncationPolicy = .response, beta: Double = 0.1,
                labelSmoothing: Double = 0, prefFTX: Double = 0, lora: LoRAConfig? = nil, checkpointEvery: Int = 0) {
        self.objective = objective
        self.learningRate = learningRate
        self.epochs = epochs
        self.warmupRatio = warmupRatio
        self.batchSize = batchSize
        self.microBatchSize = microBatchSize
        self.maxGradNorm = maxGradNorm
        self.weightDecay = weightDecay
        self.seed = seed
        self.cutoffLength = cutoffLength
        self.truncation = truncation
        self.beta = beta
        self.labelSmoothing = labelSmoothing
        self.prefFTX = prefFTX
        self.lora = lora
        self.checkpointEvery = checkpointEvery
    }

    enum CodingKeys: String, CodingKey {
        case objective, epochs, seed, truncation, beta, lora
        case learningRate = "learning_rate"
        case warmupRatio = "warmup_ratio"
        case batchSize = "batch_size"
        case microBatchSize = "micro_batch_size"
        case maxGradNorm = "max_grad_norm"
        case weightDecay = "weight_decay"
        case cutoffLength = "cutoff_length"
        case labelSmoothing = "label_smoothing"
        case prefFTX = "pref_ftx"
        case checkpointEvery = "checkpoint_every"
    }

    /// Rejects values no run can use, naming the field.
    public func validate() throws(TrainingError) {
        func require(_ ok: Bool, _ field: String, _ why: String) throws(TrainingError) {
            if !ok { throw .invalidConfig(field: field, reason: why) }
        }
        try require(learningRate > 0 && learningRate.isFinite, "learning_rate", "must be a positive number")
        try require(epochs >= 1, "epochs", "must be at least 1")
        try require((0..<1).contains(warmupRatio), "warmup_ratio", "must be in [0, 1)")
        try require(batchSize >= 1, "batch_size", "must be at least 1")
        try require(microBatchSize >= 1 && microBatchSize <= batchSize, "micro_batch_size", "must be between 1 and batch_size")
        try require(maxGradNorm > 0, "max_grad_norm", "must be positive")
        try require(weightDecay >= 0, "weight_decay", "must not be negative")
        try require(cutoffLength >= 2, "cutoff_length", "must be at least 2")
        try require(beta > 0 && beta.isFinite, "beta", "must be a positive number")
        try require((0..<0.5).contains(labelSmoothing), "label_smoothing", "must be in [0, 0.5)")
        try require(prefFTX >= 0, "pref_ftx", "must not be negative")
        try require(checkpointEvery >= 0, "checkpoint_every", "must not be negative")
        if objective != .sft && objective != .dpo && lora == nil {
            // Allowed, but the reference model then costs a full frozen copy; nothing to reject.
        }
    }
}

/// Errors of a training run, each naming what and where.
public enum TrainingError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidConfig(field: String, reason: String)
    /// The data lacks what the objective needs (e.g. DPO on SFT examples).
    case incompatibleData(objective: TrainingObjective, found: String, index: Int)
    case emptyDataset(reason: String)
    case nonFiniteLoss(step: Int, lastCheckpoint: String?)
    case checkpoint(String)
    case engine(String)

    public var description: String {
        switch self {
        case .invalidConfig(let field, let reason): return "training config: \(field) \(reason)"
        case .incompatibleData(let objective, let found, let index):
            let needs: String
            switch objective {
            case .sft: needs = "(prompt, response) examples or IOPO quadruples"
            case .dpo: needs = "preference pairs (prompt, chosen, rejected) or IOPO quadruples"
            default: needs = "IOPO quadruples (x1, y1, x2, y2)"
            }
            return "training data example \(index) is \(found), but objective \(objective.rawValue) needs \(needs)"
        case .emptyDataset(let reason): return "no training examples left: \(reason)"
        case .nonFiniteLoss(let step, let checkpoint):
            return "the loss became NaN or infinite at optimizer step \(step); training stopped" + (checkpoint.map { "; the last good checkpoint is \($0)" } ?? " before any checkpoint was written")
        case .checkpoint(let message): return "checkpoint: \(message)"
        case .engine(let message): return message
        }
    }
}
