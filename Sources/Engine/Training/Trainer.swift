import Basics
import Foundation

// The training loop: seeded data order, micro-batched forward/backward of each optimizer step,
// gradient clipping, AdamW under a warmup-cosine schedule, checkpoints, and a stop on a
// non-finite loss before the bad update is applied. The objective of a step lives in
// `evaluateStep` (the one function gradient checks and parity dumps call), the per-unit
// preference losses in UnitObjective.swift, checkpoints in TrainerCheckpoint.swift.

/// The values logged for one optimizer step. Everything here is deterministic except
/// `tokensPerSecond`, which is kept out of anything that gets hashed.
public struct TrainingStepLog: Sendable, Equatable {
    public var step: Int
    public var totalSteps: Int
    public var epoch: Double
    public var learningRate: Double
    public var gradientNorm: Double
    public var tokens: Int
    public var tokensPerSecond: Double
    /// loss, rewards/chosen, rewards/rejected, rewards/accuracies, rewards/margins, and for IOPO
    /// each reward metric with `_v1` (x1) and `_v2` (x2) suffixes.
    public var metrics: [String: Double]

    /// One canonical JSON line (sorted keys, no whitespace, `CanonicalNumber` numbers), without
    /// wall-clock values.
    public func jsonLine() -> String {
        var fields = metrics.map { JSONMember($0.key, CanonicalNumber.json($0.value)) }
        fields.append(JSONMember("step", CanonicalNumber.json(Double(step))))
        fields.append(JSONMember("epoch", CanonicalNumber.json(epoch)))
        fields.append(JSONMember("learning_rate", CanonicalNumber.json(learningRate)))
        fields.append(JSONMember("grad_norm", CanonicalNumber.json(gradientNorm)))
        fields.append(JSONMember("tokens", CanonicalNumber.json(Double(tokens))))
        return JSONWriter.canonical.string(.object(fields))
    }
}

/// Fixed number formatting for hashed text: integers without a fraction, others with 9
/// significant digits (enough to tell runs apart, identical across platforms).
public enum CanonicalNumber {
    public static func format(_ value: Double) -> String {
        if !value.isFinite { return value.isNaN ? "null" : (value > 0 ? "1e999" : "-1e999") }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.9g", value)
    }

    /// The number as a JSON value in this format (NaN as null, infinities as ±1e999, which JSON
    /// readers take for infinities).
    public static func json(_ value: Double) -> JSONValue {
        value.isNaN ? .null : .number(format(value))
    }
}

/// How a finished run went.
public struct TrainingSummary: Sendable, Equatable {
    public var steps: Int
    public var data: DataPreparation
    public var finalMetrics: [String: Double]
    public var seconds: Double
}

/// What the forward (and backward) passes of one optimizer step give.
struct StepEvaluation {
    /// Step means: the loss (for SFT the mean over every target token of the step) and the
    /// reward metrics.
    var metrics: [String: Double]
    /// Prompt and response tokens processed.
    var tokens: Int
}

/// Trains a Qwen2 model with one objective. The reference model of DPO and IOPO is the same
/// network with adapters switched off (LoRA) or the model as it was before training (full
/// fine-tune); its log-probabilities never change, so they are computed once per sequence before
/// the first step and reused, and no frozen copy of the weights is kept.
public final class Trainer {
    public let model: DecoderModel
    public let config: TrainingConfig
    let units: [TrainingUnit]
    public let data: DataPreparation
    let optimizer: AdamW
    let schedule: CosineSchedule
    public let totalSteps: Int
    let stepsPerEpoch: Int
    /// Reference log-probabilities, per unit in the unit's sequence order (empty for SFT).
    var referenceScores: [[Double]] = []
    public internal(set) var completedSteps = 0
    /// The checkpoint this trainer was resumed from, if any: the last good checkpoint until a
    /// newer one is written.
    public internal(set) var resumedFrom: String?

    /// Prepares a run: expands and fits the data, attaches LoRA when configured (its A matrices
    /// drawn from `config.seed`), and builds the optimizer over the trainable parameters.
    public init(model: DecoderModel, config: TrainingConfig, examples: [TrainingExample]) throws(TrainingError) {
        try config.validate()
        self.model = model
        self.config = config
        let cutoff = min(config.cutoffLength, model.config.maxPositionEmbeddings)
        (units, data) = try TrainingUnits.make(examples, objective: config.objective, cutoffLength: cutoff, truncation: config.truncation)
        if let lora = config.lora, model.loraConfig == nil {
            do { try model.attachLoRA(lora, seed: config.seed) } catch { throw .invalidConfig(field: "lora", reason: "\(error)") }
        }
        optimizer = AdamW(config: AdamWConfig(weightDecay: Float(config.weightDecay)), parameterCount: model.trainableParameterCount)
        stepsPerEpoch = (units.count + config.batchSize - 1) / config.batchSize
        totalSteps = stepsPerEpoch * config.epochs
        schedule = CosineSchedule(peak: config.learningRate, warmupRatio: config.warmupRatio, totalSteps: totalSteps)
    }

    // MARK: reference

    /// Scores every sequence once under the reference: `reference` when given, otherwise this
    /// trainer's model with adapters off (LoRA) or at its current weights (full fine-tune, which
    /// is the reference only before the first step). Nothing to do for SFT.
    public func computeReferenceScores(using reference: DecoderModel? = nil) throws(TrainingError) {
        guard config.objective != .sft else { referenceScores = units.map { _ in [] }; return }
        let network = reference ?? model
        let per = config.objective.sequencesPerUnit
        var scores: [[Double]] = []
        scores.reserveCapacity(units.count)
        var start = 0
        while start < units.count {
            let slice = units[start..<min(start + config.microBatchSize, units.count)]
            let (_, result) = try Trainer.forward(network, slice.flatMap(\.sequences), useAdapters: false)
            for u in 0..<slice.count { scores.append(Array(result.perSequenceLogProb[(u * per)..<((u + 1) * per)])) }
            start += slice.count
        }
        referenceScores = scores
    }

    static func forward(_ network: DecoderModel, _ pairs: [ScoredPair], useAdapters: Bool) throws(TrainingError) -> (Batch, ForwardResult) {
        do {
            let batch = try Batch(sequences: pairs.map(\.tokens), promptLengths: pairs.map(\.prompt.count))
            return (batch, try network.forward(batch, useAdapters: useAdapters))
        } catch { throw .engine("\(error)") }
    }

    // MARK: training

    /// Runs (or continues) training to the end. `checkpoint` is called every `checkpointEvery`
    /// steps and at the end with the number of completed steps, and returns where it wrote the
    /// checkpoint; `onStep` is called after every step. A NaN or infinite loss or gradient stops
    /// training before the update is applied, with `TrainingError.nonFiniteLoss` naming the
    /// step and the last checkpoint written (or resumed from).
    public func train(checkpoint: ((Int) throws -> String)? = nil, onStep: (TrainingStepLog) -> Void = { _ in }) throws -> TrainingSummary {
        let started = Date()
        if referenceScores.count != units.count { try computeReferenceScores() }
        var lastCheckpoint = resumedFrom
        var finalMetrics: [String: Double] = [:]
        while completedSteps < totalSteps {
            let stepStart = Date()
            let index = completedSteps
            model.zeroGradients()
            let evaluation = try evaluateStep(unitIndices(forStep: index), backward: true)
            let gradientNorm = model.clipGradients(maxNorm: config.maxGradNorm)
            guard let loss = evaluation.metrics["loss"], loss.isFinite, gradientNorm.isFinite else {
                throw TrainingError.nonFiniteLoss(step: index + 1, lastCheckpoint: lastCheckpoint)
            }
            let learningRate = schedule.learningRate(atStep: index)
            do { try optimizer.step(model, learningRate: Float(learningRate)) } catch { throw TrainingError.engine("\(error)") }
            completedSteps += 1
            finalMetrics = evaluation.metrics
            let seconds = max(Date().timeIntervalSince(stepStart), 1e-9)
            onStep(TrainingStepLog(step: completedSteps, totalSteps: totalSteps, epoch: Double(completedSteps) / Double(stepsPerEpoch),
                                   learningRate: learningRate, gradientNorm: gradientNorm, tokens: evaluation.tokens,
                                   tokensPerSecond: Double(evaluation.tokens) / seconds, metrics: evaluation.metrics))
            if let checkpoint, config.checkpointEvery > 0, completedSteps % config.checkpointEvery == 0, completedSteps < totalSteps {
                lastCheckpoint = try checkpoint(completedSteps)
            }
        }
        if let checkpoint { _ = try checkpoint(completedSteps) }
        return TrainingSummary(steps: completedSteps, data: data, finalMetrics: finalMetrics, seconds: Date().timeIntervalSince(started))
    }

    /// The units of optimizer step `index` (0-based): the seeded order of its epoch, sliced. The
    /// order depends only on (seed, epoch), so a resumed run sees exactly the same batches.
    func unitIndices(forStep index: Int) -> [Int] {
        let epoch = index / stepsPerEpoch
        let order = SeededShuffle.permutation(count: units.count, seed: config.seed, epoch: epoch)
        let start = (index % stepsPerEpoch) * config.batchSize
        return Array(order[start..<min(start + config.batchSize, units.count)])
    }

    /// The loss and metrics of the units at `indices` taken as one optimizer step, at the current
    /// parameters: micro-batches of `microBatchSize` units, each unit's sequences in one forward.
    /// With `backward`, the gradient of the step's loss is added to the model's gradients (the
    /// caller zeroes them first): each micro-batch's backward gets token weights d loss / d logp,
    /// so accumulation over micro-batches sums to the gradient of the whole step's loss.
    ///
    /// Step loss: SFT −(1/N)·Σ logp over the N target tokens of the step; preference objectives
    /// the mean over units of the unit loss (UnitObjective).
    func evaluateStep(_ indices: [Int], backward: Bool) throws(TrainingError) -> StepEvaluation {
        if config.objective != .sft && referenceScores.count != units.count { try computeReferenceScores() }
        let unitCount = Double(indices.count)
        let totalTargets = Double(max(indices.reduce(0) { $0 + units[$1].sequences.reduce(0) { $0 + $1.targetCount } }, 1))
        let per = config.objective.sequencesPerUnit
        var accumulator = MetricAccumulator()
        var tokens = 0
        var start = 0
        while start < indices.count {
            let chunk = Array(indices[start..<min(start + config.microBatchSize, indices.count)])
            let pairs = chunk.flatMap { units[$0].sequences }
            let (batch, result) = try Trainer.forward(model, pairs, useAdapters: true)
            tokens += pairs.reduce(0) { $0 + $1.prompt.count + $1.response.count }
            var perSequence = [Float](repeating: 0, count: pairs.count)
            if config.objective == .sft {
                accumulator.add("loss", -result.perSequenceLogProb.reduce(0, +) / totalTargets)
            } else {
                for (u, unitIndex) in chunk.enumerated() {
                    let scores = (0..<per).map {
                        ScoredSequence(policy: result.perSequenceLogProb[u * per + $0], reference: referenceScores[unitIndex][$0])
                    }
                    let (_, gradients) = UnitObjective.evaluate(
                        config.objective, beta: config.beta, labelSmoothing: config.labelSmoothing, prefFTX: config.prefFTX,
                        scores: scores, responseLengths: units[unitIndex].sequences.map(\.targetCount), metrics: &accumulator)
                    for k in 0..<per { perSequence[u * per + k] = Float(gradients[k] / unitCount) }
                }
            }
            if backward {
                let weights: [Float]
                if config.objective == .sft {
                    let w = Float(-1 / totalTargets)
                    weights = batch.lossMask.map { $0 ? w : 0 }
                } else {
                    weights = batch.sequenceWeights(perSequence)
                }
                do { try model.backward(tokenWeights: weights) } catch { throw .engine("\(error)") }
            }
            start += chunk.count
        }
        var metrics = accumulator.means(units: unitCount)
        if config.objective == .sft { metrics["loss"] = accumulator.sums["loss"] ?? 0 }
        return StepEvaluation(metrics: metrics, tokens: tokens)
    }

    /// The step metrics and the trainable parameters' gradients (before clipping) of optimizer
    /// step `index` at the current parameters, without updating anything: what gradient and
    /// parity checks compare.
    public func lossAndGradients(forStep index: Int = 0) throws -> (metrics: [String: Double], gradients: [NamedTensor]) {
        guard (0..<max(totalSteps, 1)).contains(index) else {
            throw TrainingError.invalidConfig(field: "step", reason: "\(index) is outside 0..<\(totalSteps)")
        }
        model.zeroGradients()
        let evaluation = try evaluateStep(unitIndices(forStep: index), backward: true)
        return (evaluation.metrics, model.gradientTensors())
    }
}
