import Foundation

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

    /// One JSON line with sorted keys and fixed formatting, without wall-clock values.
    public func jsonLine() -> String {
        var fields = metrics.map { ($0.key, $0.value) }
        fields.append(("step", Double(step)))
        fields.append(("epoch", epoch))
        fields.append(("learning_rate", learningRate))
        fields.append(("grad_norm", gradientNorm))
        fields.append(("tokens", Double(tokens)))
        fields.sort { $0.0 < $1.0 }
        let body = fields.map { "\"\($0.0)\":\(CanonicalNumber.format($0.1))" }.joined(separator: ",")
        return "{\(body)}"
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
}

/// How a finished run went.
public struct TrainingSummary: Sendable, Equatable {
    public var steps: Int
    public var data: DataPreparation
    public var finalMetrics: [String: Double]
    public var seconds: Double
}

/// Trains a Qwen2 model with one objective. The reference model of DPO and IOPO is the same
/// network with adapters switched off (LoRA) or a frozen copy (full fine-tune); its log-probabilities
/// never change, so they are computed once per sequence before training and reused.
public final class Trainer {
    public let model: Qwen2Model
    public let config: TrainingConfig
    let units: [TrainingUnit]
    public let data: DataPreparation
    let optimizer: AdamW
    let schedule: CosineSchedule
    public let totalSteps: Int
    let stepsPerEpoch: Int
    private(set) var referenceScores: [[Double]] = []
    public private(set) var completedSteps = 0

    /// Prepares a run: expands and fits the data, attaches LoRA when configured (its A matrices
    /// drawn from `config.seed`), and builds the optimizer over the trainable parameters.
    public init(model: Qwen2Model, config: TrainingConfig, examples: [TrainingExample]) throws(TrainingError) {
        try config.validate()
        self.model = model
        self.config = config
        let cutoff = min(config.cutoffLength, model.config.maxPositionEmbeddings)
        (units, data) = try TrainingUnits.make(examples, objective: config.objective, cutoffLength: cutoff, truncation: config.truncation)
        if let lora = config.lora, model.loraConfig == nil {
            do { try model.attachLoRA(lora, seed: config.seed) } catch { throw .engine("\(error)") }
        }
        optimizer = AdamW(config: AdamWConfig(weightDecay: Float(config.weightDecay)), parameterCount: model.trainableParameterCount)
        stepsPerEpoch = (units.count + config.batchSize - 1) / config.batchSize
        totalSteps = stepsPerEpoch * config.epochs
        schedule = CosineSchedule(peak: config.learningRate, warmupRatio: config.warmupRatio, totalSteps: totalSteps)
    }

    // MARK: reference

    /// Scores every sequence once under the reference model.
    func computeReferenceScores() throws(TrainingError) {
        guard config.objective != .sft else { referenceScores = units.map { _ in [] }; return }
        let usesAdapters = model.loraConfig != nil
        let reference = usesAdapters ? model : model.copy()
        var scores: [[Double]] = []
        scores.reserveCapacity(units.count)
        var start = 0
        while start < units.count {
            let slice = Array(units[start..<min(start + config.microBatchSize, units.count)])
            let result = try forward(reference, slice, useAdapters: false)
            let per = config.objective.sequencesPerUnit
            for u in 0..<slice.count { scores.append(Array(result.perSequenceLogProb[(u * per)..<((u + 1) * per)])) }
            start += slice.count
        }
        referenceScores = scores
    }

    private func forward(_ network: Qwen2Model, _ slice: [TrainingUnit], useAdapters: Bool) throws(TrainingError) -> ForwardResult {
        let pairs = slice.flatMap(\.sequences)
        do {
            let batch = try Batch(sequences: pairs.map(\.tokens), promptLengths: pairs.map(\.prompt.count))
            return try network.forward(batch, useAdapters: useAdapters)
        } catch { throw .engine("\(error)") }
    }

    // MARK: training

    /// Runs (or continues) training to the end. `checkpoint` is called every `checkpointEvery`
    /// steps and at the end with the number of completed steps; `onStep` after every step.
    public func train(checkpoint: ((Int) throws -> String)? = nil, onStep: (TrainingStepLog) -> Void = { _ in }) throws -> TrainingSummary {
        let started = Date()
        if referenceScores.isEmpty { try computeReferenceScores() }
        var lastCheckpoint: String?
        var finalMetrics: [String: Double] = [:]
        while completedSteps < totalSteps {
            let stepStart = Date()
            let log = try step(index: completedSteps)
            guard log.metrics["loss"].map({ $0.isFinite }) ?? false, log.gradientNorm.isFinite else {
                throw TrainingError.nonFiniteLoss(step: completedSteps + 1, lastCheckpoint: lastCheckpoint)
            }
            completedSteps += 1
            var timed = log
            timed.tokensPerSecond = Double(log.tokens) / max(Date().timeIntervalSince(stepStart), 1e-9)
            finalMetrics = log.metrics
            onStep(timed)
            if let checkpoint, config.checkpointEvery > 0, completedSteps % config.checkpointEvery == 0, completedSteps < totalSteps {
                lastCheckpoint = try checkpoint(completedSteps)
            }
        }
        if let checkpoint { _ = try checkpoint(completedSteps) }
        return TrainingSummary(steps: completedSteps, data: data, finalMetrics: finalMetrics, seconds: Date().timeIntervalSince(started))
    }

    /// The units of optimizer step `index`: the seeded order of its epoch, sliced.
    func units(forStep index: Int) -> [TrainingUnit] {
        let epoch = index / stepsPerEpoch
        let order = SeededShuffle.permutation(count: units.count, seed: config.seed, epoch: epoch)
        let start = (index % stepsPerEpoch) * config.batchSize
        return order[start..<min(start + config.batchSize, units.count)].map { units[$0] }
    }

    private func step(index: Int) throws -> TrainingStepLog {
        let epoch = index / stepsPerEpoch
        let order = SeededShuffle.permutation(count: units.count, seed: config.seed, epoch: epoch)
        let start = (index % stepsPerEpoch) * config.batchSize
        let stepIndices = Array(order[start..<min(start + config.batchSize, units.count)])
        let unitCount = Double(stepIndices.count)
        let totalTargets = stepIndices.reduce(0) { $0 + units[$1].sequences.reduce(0) { $0 + $1.response.count } }
        model.zeroGradients()
        var accumulator = MetricAccumulator()
        var tokens = 0
        var micro = 0
        while micro < stepIndices.count {
            let indices = Array(stepIndices[micro..<min(micro + config.microBatchSize, stepIndices.count)])
            let slice = indices.map { units[$0] }
            let pairs = slice.flatMap(\.sequences)
            let batch: Batch
            let result: ForwardResult
            do {
                batch = try Batch(sequences: pairs.map(\.tokens), promptLengths: pairs.map(\.prompt.count))
                result = try model.forward(batch)
            } catch { throw TrainingError.engine("\(error)") }
            tokens += pairs.reduce(0) { $0 + $1.prompt.count + $1.response.count }
            let weights: [Float]
            if config.objective == .sft {
                // Mean over every target token of the optimizer step.
                let w: Float = -1 / Float(max(totalTargets, 1))
                weights = batch.lossMask.map { $0 ? w : 0 }
                let sum = result.perSequenceLogProb.reduce(0, +)
                accumulator.add("loss", -sum / Double(max(totalTargets, 1)), weight: 1, normalised: false)
            } else {
                var perSequence = [Float](repeating: 0, count: pairs.count)
                for (u, unitIndex) in indices.enumerated() {
                    let per = config.objective.sequencesPerUnit
                    let scored = (0..<per).map { ScoredSequence(policy: result.perSequenceLogProb[u * per + $0], reference: referenceScores[unitIndex][$0]) }
                    let gradients = preferenceTerms(scored, pairs: Array(pairs[(u * per)..<((u + 1) * per)]), into: &accumulator)
                    for k in 0..<per { perSequence[u * per + k] = Float(gradients[k] / unitCount) }
                }
                weights = batch.sequenceWeights(perSequence)
            }
            do { try model.backward(tokenWeights: weights) } catch { throw TrainingError.engine("\(error)") }
            micro += indices.count
        }
        let gradientNorm = model.clipGradients(maxNorm: config.maxGradNorm)
        let learningRate = schedule.learningRate(atStep: index)
        do { try optimizer.step(model, learningRate: Float(learningRate)) } catch { throw TrainingError.engine("\(error)") }
        var metrics = accumulator.means(units: unitCount)
        if config.objective == .sft { metrics["loss"] = accumulator.sum("loss") }
        return TrainingStepLog(step: index + 1, totalSteps: totalSteps, epoch: Double(index + 1) / Double(stepsPerEpoch),
                               learningRate: learningRate, gradientNorm: gradientNorm, tokens: tokens, tokensPerSecond: 0, metrics: metrics)
    }

    /// Loss, gradients (d loss / d logπ per sequence) and reward metrics of one preference unit.
    private func preferenceTerms(_ s: [ScoredSequence], pairs: [ScoredPair], into metrics: inout MetricAccumulator) -> [Double] {
        var gradients: [Double]
        var loss: Double
        // Optional SFT term on the chosen responses: −pref_ftx · logπ(y|x) / |y|.
        var ftxTargets: [Int] = []
        if let variant = config.objective.iopoVariant {
            let q = IOPOQuadrupleLoss(x1y1: s[0], x1y2: s[1], x2y2: s[2], x2y1: s[3], beta: config.beta, variant: variant, labelSmoothing: config.labelSmoothing)
            loss = q.loss
            gradients = q.gradients
            metrics.addRewards(chosen: q.chosenRewardV1, rejected: q.rejectedRewardV1, suffix: "_v1")
            metrics.addRewards(chosen: q.chosenRewardV2, rejected: q.rejectedRewardV2, suffix: "_v2")
            ftxTargets = [0, 2]
        } else {
            let p = DPOPairLoss(chosen: s[0], rejected: s[1], beta: config.beta, labelSmoothing: config.labelSmoothing)
            loss = p.loss
            gradients = [p.dChosen, p.dRejected]
            metrics.addRewards(chosen: p.chosenReward, rejected: p.rejectedReward, suffix: "")
            ftxTargets = [0]
        }
        if config.prefFTX > 0 {
            for k in ftxTargets {
                let length = Double(max(pairs[k].response.count, 1))
                loss += -config.prefFTX * s[k].policy / length
                gradients[k] += -config.prefFTX / length
            }
        }
        metrics.add("loss", loss, weight: 1, normalised: true)
        return gradients
    }

    // MARK: checkpoints

    /// Writes a resumable checkpoint: trainable tensors, optimizer state, completed steps.
    public func saveCheckpoint(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let trainable: [NamedTensor] = model.loraConfig != nil ? try model.loraTensors() : model.namedTensors()
        try Safetensors.write(trainable, to: directory.appendingPathComponent("trainable.safetensors"))
        try Safetensors.write(optimizer.stateTensors(), to: directory.appendingPathComponent("optimizer.safetensors"))
        let state = "{\"completed_steps\":\(completedSteps),\"objective\":\"\(config.objective.rawValue)\",\"total_steps\":\(totalSteps)}\n"
        try Data(state.utf8).write(to: directory.appendingPathComponent("trainer_state.json"), options: .atomic)
    }

    /// Continues a run from a checkpoint written by `saveCheckpoint` with the same config and
    /// data. `baseModel` is what the run started from: the trainable tensors replace its
    /// parameters (full fine-tune) or become its adapter (LoRA).
    public static func resume(from directory: URL, baseModel: Qwen2Model, config: TrainingConfig,
                              examples: [TrainingExample]) throws -> Trainer {
        let stateURL = directory.appendingPathComponent("trainer_state.json")
        guard let data = FileManager.default.contents(atPath: stateURL.path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let steps = object["completed_steps"] as? Int, let objective = object["objective"] as? String,
              let total = object["total_steps"] as? Int else {
            throw TrainingError.checkpoint("\(stateURL.path) is missing or unreadable")
        }
        let tensors = try Safetensors.read(directory.appendingPathComponent("trainable.safetensors"))
        let model: Qwen2Model
        if let lora = config.lora {
            model = baseModel
            if model.loraConfig == nil { try model.loadLoRA(lora, tensors: tensors) }
        } else {
            model = try Qwen2Model(config: baseModel.config, tensors: tensors)
        }
        let trainer = try Trainer(model: model, config: config, examples: examples)
        if config.lora != nil { try model.loadLoRA(config.lora!, tensors: tensors) }
        guard objective == config.objective.rawValue, total == trainer.totalSteps, (0...total).contains(steps) else {
            throw TrainingError.checkpoint("\(directory.path) was written by a different run (objective \(objective), \(total) steps)")
        }
        try trainer.optimizer.loadState(try Safetensors.read(directory.appendingPathComponent("optimizer.safetensors")))
        trainer.completedSteps = steps
        return trainer
    }
}

/// Sums metric values over the units of a step, then averages.
struct MetricAccumulator {
    private var sums: [String: Double] = [:]

    mutating func add(_ key: String, _ value: Double, weight: Double, normalised: Bool) {
        sums[key, default: 0] += value * weight
    }

    mutating func addRewards(chosen: Double, rejected: Double, suffix: String) {
        add("rewards/chosen" + suffix, chosen, weight: 1, normalised: true)
        add("rewards/rejected" + suffix, rejected, weight: 1, normalised: true)
        add("rewards/accuracies" + suffix, chosen > rejected ? 1 : 0, weight: 1, normalised: true)
        add("rewards/margins" + suffix, chosen - rejected, weight: 1, normalised: true)
    }

    func sum(_ key: String) -> Double { sums[key] ?? 0 }

    func means(units: Double) -> [String: Double] { sums.mapValues { $0 / units } }
}
