// The preference losses from fixed log-probabilities, recomputed by hand from IOPO.md's formulas
// (written here independently of the engine's term-by-term code), the identities the formula
// implies, label smoothing, the pref_ftx term, the logged reward metrics, and finite-difference
// checks of every derivative the engine hands to the model's backward.

import Foundation
import Testing
@testable import Engine

/// −log σ(z) written the plain way (fine for the moderate z used here).
private func negLogSigmoid(_ z: Double) -> Double { log(1 + exp(-z)) }

/// −(1−ε)·log σ(z) − ε·log σ(−z).
private func smoothed(_ z: Double, _ epsilon: Double) -> Double {
    (1 - epsilon) * negLogSigmoid(z) + epsilon * negLogSigmoid(-z)
}

/// Four sequences (x1,y1), (x1,y2), (x2,y2), (x2,y1) with a = 1.5, b = −0.7, c = 0.4, d = −2.1.
private let quadruple: [ScoredSequence] = [
    ScoredSequence(policy: -20.0, reference: -21.5),
    ScoredSequence(policy: -33.2, reference: -32.5),
    ScoredSequence(policy: -18.1, reference: -18.5),
    ScoredSequence(policy: -40.6, reference: -38.5),
]

private func iopo(_ s: [ScoredSequence], beta: Double, variant: IOPOVariant = .full, epsilon: Double = 0) -> IOPOQuadrupleLoss {
    IOPOQuadrupleLoss(x1y1: s[0], x1y2: s[1], x2y2: s[2], x2y1: s[3], beta: beta, variant: variant, labelSmoothing: epsilon)
}

/// Central differences of `f` at `point` along each coordinate, in float64.
private func numericGradient(_ point: [Double], h: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
    point.indices.map { i in
        var plus = point, minus = point
        plus[i] += h
        minus[i] -= h
        return (f(plus) - f(minus)) / (2 * h)
    }
}

@Suite("Objective losses by hand")
struct ObjectiveLossTests {
    @Test("DPO: −log σ(β(r_w − r_l)), TRL's rewards, and a value computed outside the engine")
    func dpoByHand() {
        let chosen = ScoredSequence(policy: -10, reference: -12)
        let rejected = ScoredSequence(policy: -15, reference: -13)
        let pair = DPOPairLoss(chosen: chosen, rejected: rejected, beta: 0.1)
        // r_w = 2, r_l = −2, z = 0.1·4 = 0.4; log(1 + e^−0.4) = 0.513015252399952...
        #expect(abs(pair.loss - 0.5130152523999526) < 1e-14)
        #expect(abs(pair.loss - negLogSigmoid(0.1 * (2 - -2))) < 1e-14)
        #expect(abs(pair.chosenReward - 0.2) < 1e-15)
        #expect(abs(pair.rejectedReward - -0.2) < 1e-15)
        #expect(abs(pair.margin - 0.4) < 1e-15)
        #expect(pair.correct)
        // dℓ/dlogπ_w = −β·σ(−z), dℓ/dlogπ_l = +β·σ(−z).
        let s = 1 / (1 + exp(0.4))
        #expect(abs(pair.dChosen - -0.1 * s) < 1e-15)
        #expect(abs(pair.dRejected - 0.1 * s) < 1e-15)

        // A pair the policy gets wrong.
        let wrong = DPOPairLoss(chosen: rejected, rejected: chosen, beta: 0.5)
        #expect(abs(wrong.loss - negLogSigmoid(0.5 * (-2 - 2))) < 1e-14)
        #expect(!wrong.correct)
    }

    @Test("IOPO: Π1, Π2 and −log σ((Π1 + Π2)/2) as the paper writes them")
    func iopoByHand() {
        let beta = 0.1
        let (a, b, c, d) = (1.5, -0.7, 0.4, -2.1)
        let q = iopo(quadruple, beta: beta)
        let pi1 = beta * (a - b) + beta * (a - d)
        let pi2 = beta * (c - d) + beta * (c - b)
        #expect(abs(q.pi1 - pi1) < 1e-13)
        #expect(abs(q.pi2 - pi2) < 1e-13)
        #expect(abs(q.loss - negLogSigmoid((pi1 + pi2) / 2)) < 1e-13)
        // (Π1 + Π2)/2 = β(a + c − b − d) = 0.1·4.7.
        #expect(abs(q.loss - negLogSigmoid(0.47)) < 1e-13)
        #expect(abs(q.loss - 0.485509211647004) < 1e-13)
        #expect(q.rewards.enumerated().allSatisfy { abs($0.element - beta * [a, b, c, d][$0.offset]) < 1e-13 })
        #expect(q.chosenRewardV1 == q.rewards[0] && q.rejectedRewardV1 == q.rewards[1])
        #expect(q.chosenRewardV2 == q.rewards[2] && q.rejectedRewardV2 == q.rewards[3])
        // dℓ/d(a, b, c, d) = −σ(−z)·β·(1, −1, 1, −1).
        let s = 1 / (1 + exp(0.47))
        let expected = [-beta * s, beta * s, -beta * s, beta * s]
        for k in 0..<4 { #expect(abs(q.gradients[k] - expected[k]) < 1e-14) }
    }

    @Test("the output terms and the input terms sum to the same number, β(a + c − b − d)")
    func outputEqualsInput() {
        for beta in [0.1, 0.5, 2.0] {
            let outputOnly = iopo(quadruple, beta: beta, variant: .withoutInputPreference)
            let inputOnly = iopo(quadruple, beta: beta, variant: .withoutOutputPreference)
            let sum = beta * (1.5 + 0.4 - -0.7 - -2.1)
            #expect(abs((outputOnly.pi1 + outputOnly.pi2) - sum) < 1e-12)
            #expect(abs((inputOnly.pi1 + inputOnly.pi2) - sum) < 1e-12)
            // Term by term the two differ: the identity is about the sums.
            #expect(abs(outputOnly.pi1 - inputOnly.pi1) > 0.1 * beta)
        }
    }

    @Test("both ablations are the same loss, equal to IOPO with β halved", arguments: [0.0, 0.1, 0.3])
    func ablationsEqualHalfBeta(epsilon: Double) {
        for beta in [0.05, 0.1, 1.0] {
            let full = iopo(quadruple, beta: beta, epsilon: epsilon)
            let half = iopo(quadruple, beta: beta / 2, epsilon: epsilon)
            let noInput = iopo(quadruple, beta: beta, variant: .withoutInputPreference, epsilon: epsilon)
            let noOutput = iopo(quadruple, beta: beta, variant: .withoutOutputPreference, epsilon: epsilon)
            let z = beta * 4.7
            #expect(abs(full.loss - smoothed(z, epsilon)) < 1e-12)
            #expect(abs(noInput.loss - smoothed(z / 2, epsilon)) < 1e-12)
            for ablation in [noInput, noOutput] {
                #expect(abs(ablation.loss - half.loss) < 1e-12)
                for k in 0..<4 { #expect(abs(ablation.gradients[k] - half.gradients[k]) < 1e-12) }
            }
            // The full objective is a different loss from either ablation.
            #expect(abs(full.loss - noInput.loss) > 1e-4)
        }
    }

    @Test("IOPO is not DPO on the two pairs: one sigmoid over the pooled margins, not two")
    func iopoVersusDPO() {
        let beta = 0.1
        let q = iopo(quadruple, beta: beta)
        let first = DPOPairLoss(chosen: quadruple[0], rejected: quadruple[1], beta: beta)
        let second = DPOPairLoss(chosen: quadruple[2], rejected: quadruple[3], beta: beta)
        // The DPO baseline on the same quadruple: −log σ(β(a−b)) − log σ(β(c−d)).
        #expect(abs(first.loss + second.loss - (negLogSigmoid(beta * 2.2) + negLogSigmoid(beta * 2.5))) < 1e-13)
        #expect(abs(q.loss - (first.loss + second.loss)) > 0.1)
    }

    @Test("label smoothing: −(1−ε)·log σ(z) − ε·log σ(−z) for DPO and IOPO")
    func labelSmoothing() {
        for epsilon in [0.0, 0.1, 0.25, 0.49] {
            let pair = DPOPairLoss(chosen: quadruple[0], rejected: quadruple[1], beta: 0.2, labelSmoothing: epsilon)
            #expect(abs(pair.loss - smoothed(0.2 * (1.5 - -0.7), epsilon)) < 1e-13)
            let q = iopo(quadruple, beta: 0.2, epsilon: epsilon)
            #expect(abs(q.loss - smoothed(0.2 * 4.7, epsilon)) < 1e-13)
        }
        // With ε > 0 the loss has a minimum at finite z: its derivative changes sign.
        let positive = DPOPairLoss(chosen: ScoredSequence(policy: 0, reference: 0), rejected: ScoredSequence(policy: -100, reference: 0),
                                   beta: 0.1, labelSmoothing: 0.2)
        #expect(positive.dChosen > 0, "at z = 10 the smoothed loss pushes back")
    }

    @Test("pref_ftx adds the length-normalised NLL of the responses that satisfy their prompt")
    func prefFTX() {
        let gamma = 0.7
        // DPO: −γ·logπ(y_w|x)/|y_w| on the chosen response only.
        var metrics = MetricAccumulator()
        let lengths = [8, 5, 11, 3]
        let (dpoLoss, dpoGradients) = UnitObjective.evaluate(.dpo, beta: 0.1, labelSmoothing: 0, prefFTX: gamma,
                                                             scores: Array(quadruple[0..<2]), responseLengths: Array(lengths[0..<2]), metrics: &metrics)
        let pair = DPOPairLoss(chosen: quadruple[0], rejected: quadruple[1], beta: 0.1)
        #expect(abs(dpoLoss - (pair.loss + gamma * 20.0 / 8)) < 1e-13)
        #expect(abs(dpoGradients[0] - (pair.dChosen - gamma / 8)) < 1e-15)
        #expect(abs(dpoGradients[1] - pair.dRejected) < 1e-15)

        // IOPO: on (x1,y1) and (x2,y2).
        let (iopoLoss, iopoGradients) = UnitObjective.evaluate(.iopo, beta: 0.1, labelSmoothing: 0, prefFTX: gamma,
                                                               scores: quadruple, responseLengths: lengths, metrics: &metrics)
        let q = iopo(quadruple, beta: 0.1)
        #expect(abs(iopoLoss - (q.loss + gamma * 20.0 / 8 + gamma * 18.1 / 11)) < 1e-13)
        #expect(abs(iopoGradients[0] - (q.gradients[0] - gamma / 8)) < 1e-15)
        #expect(abs(iopoGradients[1] - q.gradients[1]) < 1e-15)
        #expect(abs(iopoGradients[2] - (q.gradients[2] - gamma / 11)) < 1e-15)
        #expect(abs(iopoGradients[3] - q.gradients[3]) < 1e-15)

        // Off by default: no change at all.
        var unused = MetricAccumulator()
        let (plain, _) = UnitObjective.evaluate(.iopo, beta: 0.1, labelSmoothing: 0, prefFTX: 0, scores: quadruple,
                                                responseLengths: lengths, metrics: &unused)
        #expect(plain == q.loss)
    }

    @Test("the logged reward metrics: means of β·r, strict accuracy, margins, _v1/_v2 for IOPO")
    func rewardMetrics() {
        var metrics = MetricAccumulator()
        let lengths = [1, 1, 1, 1]
        // A second quadruple where the policy prefers the wrong response for x1 (a < b) only.
        let second = [ScoredSequence(policy: -5, reference: -5), ScoredSequence(policy: -4, reference: -5),
                      ScoredSequence(policy: -3, reference: -5), ScoredSequence(policy: -6, reference: -5)]
        for s in [quadruple, second] {
            _ = UnitObjective.evaluate(.iopo, beta: 0.1, labelSmoothing: 0, prefFTX: 0, scores: s, responseLengths: lengths, metrics: &metrics)
        }
        let means = metrics.means(units: 2)
        #expect(Set(means.keys) == Set(["loss"] + ["chosen", "rejected", "accuracies", "margins"].flatMap { ["rewards/\($0)_v1", "rewards/\($0)_v2"] }))
        #expect(abs(means["rewards/chosen_v1"]! - 0.1 * (1.5 + 0) / 2) < 1e-13)
        #expect(abs(means["rewards/rejected_v1"]! - 0.1 * (-0.7 + 1) / 2) < 1e-13)
        #expect(means["rewards/accuracies_v1"] == 0.5)
        #expect(means["rewards/accuracies_v2"] == 1)
        #expect(abs(means["rewards/margins_v2"]! - 0.1 * ((0.4 - -2.1) + (2 - -1)) / 2) < 1e-13)

        // Equal rewards are not counted as correct (the SFT model against itself scores 0).
        var ties = MetricAccumulator()
        let same = [ScoredSequence](repeating: ScoredSequence(policy: -3, reference: -3), count: 2)
        _ = UnitObjective.evaluate(.dpo, beta: 0.1, labelSmoothing: 0, prefFTX: 0, scores: same, responseLengths: [1, 1], metrics: &ties)
        #expect(ties.means(units: 1)["rewards/accuracies"] == 0)
        #expect(ties.means(units: 1)["loss"].map { abs($0 - log(2)) < 1e-15 } == true)
    }

    @Test("finite differences of every objective's loss with respect to the policy log-probabilities")
    func derivativesByFiniteDifferences() {
        let lengths = [6, 9, 4, 7]
        let objectives: [TrainingObjective] = [.dpo, .iopo, .iopoNoInput, .iopoNoOutput]
        for objective in objectives {
            for (epsilon, gamma) in [(0.0, 0.0), (0.15, 0.0), (0.0, 0.8), (0.3, 1.5)] {
                for beta in [0.1, 1.0] {
                    let count = objective.sequencesPerUnit
                    let references = quadruple.prefix(count).map(\.reference)
                    func loss(_ policy: [Double]) -> Double {
                        var unused = MetricAccumulator()
                        let scores = zip(policy, references).map { ScoredSequence(policy: $0, reference: $1) }
                        return UnitObjective.evaluate(objective, beta: beta, labelSmoothing: epsilon, prefFTX: gamma, scores: scores,
                                                      responseLengths: Array(lengths.prefix(count)), metrics: &unused).loss
                    }
                    let point = quadruple.prefix(count).map(\.policy)
                    var unused = MetricAccumulator()
                    let analytic = UnitObjective.evaluate(objective, beta: beta, labelSmoothing: epsilon, prefFTX: gamma,
                                                          scores: Array(quadruple.prefix(count)), responseLengths: Array(lengths.prefix(count)),
                                                          metrics: &unused).gradients
                    let numeric = numericGradient(point, loss)
                    for k in 0..<count {
                        #expect(abs(analytic[k] - numeric[k]) < 1e-8,
                                "\(objective.rawValue) β \(beta) ε \(epsilon) ftx \(gamma): d/dlogπ[\(k)] analytic \(analytic[k]) numeric \(numeric[k])")
                    }
                }
            }
        }
    }

    @Test("stable at extreme margins: no overflow, derivatives saturate")
    func extremeMargins() {
        let huge = ScoredSequence(policy: 0, reference: -1e4)
        let tiny = ScoredSequence(policy: -1e4, reference: 0)
        let right = DPOPairLoss(chosen: huge, rejected: tiny, beta: 0.1)
        #expect(right.loss >= 0 && right.loss < 1e-100)
        #expect(right.dChosen.isFinite && abs(right.dChosen) < 1e-100)
        let wrong = DPOPairLoss(chosen: tiny, rejected: huge, beta: 0.1)
        #expect(abs(wrong.loss - 2000) < 1e-9)
        #expect(abs(wrong.dChosen - -0.1) < 1e-15)
        // a = c = −1e4, b = d = +1e4: z = a + c − b − d = −4e4.
        let q = iopo([tiny, huge, tiny, huge], beta: 1)
        #expect(q.loss.isFinite && abs(q.loss - 4e4) < 1e-6)
        #expect(q.gradients.allSatisfy { abs(abs($0) - 1) < 1e-12 })
    }
}
