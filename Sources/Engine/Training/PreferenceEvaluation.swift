// Reward metrics on held-out preference data: the same numbers the training log shows
// (rewards/chosen, rejected, accuracies, margins, with _v1/_v2 for IOPO, and the loss), computed
// for a policy against a reference without training. This is how a run shows that what IOPO
// learned carries over to quadruples it never saw.

extension Trainer {
    /// Mean loss and reward metrics of `policy` against `reference` on `examples`, which must suit
    /// `objective` (DPO: pairs or quadruples; IOPO and its ablations: quadruples). A nil
    /// `reference` means `policy` with its LoRA adapters switched off. Sequences longer than
    /// `cutoffLength` have their responses cut, as in training.
    public static func evaluatePreferences(policy: DecoderModel, reference: DecoderModel?, objective: TrainingObjective,
                                           examples: [TrainingExample], beta: Double = 0.1, labelSmoothing: Double = 0,
                                           prefFTX: Double = 0, cutoffLength: Int = 4096,
                                           microBatchSize: Int = 8) throws(TrainingError) -> [String: Double] {
        guard objective != .sft else {
            throw .invalidConfig(field: "objective", reason: "reward metrics need a preference objective (dpo, iopo, iopo-no-input, iopo-no-output)")
        }
        if reference == nil && policy.loraConfig == nil {
            throw .invalidConfig(field: "reference", reason: "is required when the policy has no LoRA adapters to switch off")
        }
        let cutoff = min(cutoffLength, policy.config.maxPositionEmbeddings)
        let (units, _) = try TrainingUnits.make(examples, objective: objective, cutoffLength: cutoff, truncation: .response)
        let per = objective.sequencesPerUnit
        var accumulator = MetricAccumulator()
        var start = 0
        while start < units.count {
            let slice = Array(units[start..<min(start + max(microBatchSize, 1), units.count)])
            let pairs = slice.flatMap(\.sequences)
            let (_, referenceResult) = try forward(reference ?? policy, pairs, useAdapters: false)
            let (_, policyResult) = try forward(policy, pairs, useAdapters: true)
            for (u, unit) in slice.enumerated() {
                let scores = (0..<per).map {
                    ScoredSequence(policy: policyResult.perSequenceLogProb[u * per + $0],
                                   reference: referenceResult.perSequenceLogProb[u * per + $0])
                }
                _ = UnitObjective.evaluate(objective, beta: beta, labelSmoothing: labelSmoothing, prefFTX: prefFTX,
                                           scores: scores, responseLengths: unit.sequences.map(\.targetCount), metrics: &accumulator)
            }
            start += slice.count
        }
        return accumulator.means(units: Double(units.count))
    }

    /// `evaluatePreferences` with this run's objective and hyper-parameters, for its model
    /// (reference: the adapters off, or `reference` for a full fine-tune).
    public func evaluatePreferences(examples: [TrainingExample], reference: DecoderModel? = nil) throws(TrainingError) -> [String: Double] {
        try Trainer.evaluatePreferences(policy: model, reference: reference, objective: config.objective, examples: examples,
                                        beta: config.beta, labelSmoothing: config.labelSmoothing, prefFTX: config.prefFTX,
                                        cutoffLength: config.cutoffLength, microBatchSize: config.microBatchSize)
    }
}
