// The objective of one preference training unit, from the summed response log-probabilities of its
// sequences under the policy and the reference: the unit's loss, its derivative with respect to
// each policy log-probability (which the model turns into token weights), and the reward metrics
// TRL and the IOPO release log. SFT is not here: its loss is token-level (a mean over the target
// tokens of an optimizer step), which the trainer computes directly.

/// Loss, d loss / d logπ per sequence, and reward metrics of one DPO pair or IOPO quadruple.
enum UnitObjective {
    /// `scores` and `responseLengths` follow the unit's sequence order: DPO (x, y_w), (x, y_l);
    /// IOPO (x1,y1), (x1,y2), (x2,y2), (x2,y1). `responseLengths` counts each response's target
    /// tokens (the length normaliser of the optional SFT term).
    static func evaluate(_ objective: TrainingObjective, beta: Double, labelSmoothing: Double, prefFTX: Double,
                         scores s: [ScoredSequence], responseLengths: [Int],
                         metrics: inout MetricAccumulator) -> (loss: Double, gradients: [Double]) {
        var loss: Double
        var gradients: [Double]
        // The SFT term of preference objectives applies to the responses that satisfy their
        // prompt: y_w for DPO; (x1,y1) and (x2,y2) for IOPO.
        let ftxSequences: [Int]
        if let variant = objective.iopoVariant {
            let q = IOPOQuadrupleLoss(x1y1: s[0], x1y2: s[1], x2y2: s[2], x2y1: s[3], beta: beta,
                                      variant: variant, labelSmoothing: labelSmoothing)
            loss = q.loss
            gradients = q.gradients
            metrics.addRewards(chosen: q.chosenRewardV1, rejected: q.rejectedRewardV1, suffix: "_v1")
            metrics.addRewards(chosen: q.chosenRewardV2, rejected: q.rejectedRewardV2, suffix: "_v2")
            ftxSequences = [0, 2]
        } else {
            let p = DPOPairLoss(chosen: s[0], rejected: s[1], beta: beta, labelSmoothing: labelSmoothing)
            loss = p.loss
            gradients = [p.dChosen, p.dRejected]
            metrics.addRewards(chosen: p.chosenReward, rejected: p.rejectedReward, suffix: "")
            ftxSequences = [0]
        }
        if prefFTX > 0 {
            // −pref_ftx · logπ(y|x) / |y|: LLaMA-Factory's length-normalised NLL of the chosen response.
            for k in ftxSequences {
                let length = Double(max(responseLengths[k], 1))
                loss += -prefFTX * s[k].policy / length
                gradients[k] += -prefFTX / length
            }
        }
        metrics.add("loss", loss)
        return (loss, gradients)
    }
}

/// Sums metric values over the units of a step (or an evaluation set); `means` divides by the
/// number of units. Keys are sorted wherever they are printed, never iterated in hash order.
struct MetricAccumulator {
    private(set) var sums: [String: Double] = [:]

    mutating func add(_ key: String, _ value: Double) {
        sums[key, default: 0] += value
    }

    /// β·r of the chosen and the rejected response, as TRL names them.
    mutating func addRewards(chosen: Double, rejected: Double, suffix: String) {
        add("rewards/chosen" + suffix, chosen)
        add("rewards/rejected" + suffix, rejected)
        add("rewards/accuracies" + suffix, chosen > rejected ? 1 : 0)
        add("rewards/margins" + suffix, chosen - rejected)
    }

    func means(units: Double) -> [String: Double] { sums.mapValues { $0 / units } }
}
