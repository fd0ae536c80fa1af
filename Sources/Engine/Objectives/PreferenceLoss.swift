import Foundation

// Preference objectives on summed response log-probabilities: sigmoid DPO (as TRL computes it)
// and IOPO (paper eq. 9-10, as the released trainer computes it), with the paper's ablations.
// Each returns the loss and its derivative with respect to every policy log-probability, which
// the model turns into token weights for its backward (Batch.sequenceWeights). Reference
// log-probabilities are constants. Everything is computed in Double: these are a handful of scalars.

/// Numerically stable log σ(z).
@inline(__always) func logSigmoid(_ z: Double) -> Double {
    z >= 0 ? -log1p(exp(-z)) : z - log1p(exp(z))
}

/// σ(z) without overflow.
@inline(__always) func sigmoid(_ z: Double) -> Double {
    z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
}

/// The loss on a preference logit z with label smoothing ε: −(1−ε)·log σ(z) − ε·log σ(−z), and dℓ/dz.
@inline(__always) func smoothedSigmoidLoss(_ z: Double, labelSmoothing ε: Double) -> (loss: Double, dz: Double) {
    let loss = -(1 - ε) * logSigmoid(z) - ε * logSigmoid(-z)
    // d/dz −log σ(z) = −σ(−z);  d/dz −log σ(−z) = σ(z)
    let dz = -(1 - ε) * sigmoid(-z) + ε * sigmoid(z)
    return (loss, dz)
}

/// Log-probabilities of one sequence under the policy and the frozen reference.
public struct ScoredSequence: Sendable, Equatable {
    public var policy: Double
    public var reference: Double
    public init(policy: Double, reference: Double) {
        self.policy = policy
        self.reference = reference
    }
    /// r(x, y) = logπ(y|x) − logπ_ref(y|x).
    public var logRatio: Double { policy - reference }
}

/// Sigmoid DPO on one (x: y_w ≻ y_l) pair.
public struct DPOPairLoss: Sendable, Equatable {
    public var loss: Double
    /// d loss / d logπ(y_w|x) and d loss / d logπ(y_l|x).
    public var dChosen: Double
    public var dRejected: Double
    /// β·r(x, y_w), β·r(x, y_l): TRL's rewards/chosen and rewards/rejected.
    public var chosenReward: Double
    public var rejectedReward: Double

    public init(chosen: ScoredSequence, rejected: ScoredSequence, beta: Double, labelSmoothing: Double = 0) {
        chosenReward = beta * chosen.logRatio
        rejectedReward = beta * rejected.logRatio
        let z = chosenReward - rejectedReward
        let (loss, dz) = smoothedSigmoidLoss(z, labelSmoothing: labelSmoothing)
        self.loss = loss
        dChosen = dz * beta
        dRejected = -dz * beta
    }

    public var margin: Double { chosenReward - rejectedReward }
    public var correct: Bool { chosenReward > rejectedReward }
}

/// Which preference terms IOPO keeps: the paper's method and its two ablations (Table 4).
public enum IOPOVariant: String, Sendable, Codable, CaseIterable {
    /// Output and input preference terms.
    case full = "iopo"
    /// "w/o input preference": output terms only.
    case withoutInputPreference = "iopo-no-input"
    /// "w/o output preference": input terms only.
    case withoutOutputPreference = "iopo-no-output"
}

/// The IOPO loss on one quadruple (x1, y1, x2, y2), with a = r(x1,y1), b = r(x1,y2),
/// c = r(x2,y2), d = r(x2,y1):
///   Π1 = β(a − b) [output] + β(a − d) [input],  Π2 = β(c − d) [output] + β(c − b) [input],
///   loss = −log σ((Π1 + Π2) / 2)  (with optional label smoothing).
/// The output terms sum to β(a+c−b−d) and so do the input terms: IOPO's argument is β(a+c−b−d)
/// and both ablations give β/2·(a+c−b−d). Computed term by term as written, not simplified, so
/// the code matches the paper and the released trainer line for line.
public struct IOPOQuadrupleLoss: Sendable, Equatable {
    public var loss: Double
    /// d loss / d logπ for (x1,y1), (x1,y2), (x2,y2), (x2,y1), in that order.
    public var gradients: [Double]
    /// β·r of the four sequences, in the same order.
    public var rewards: [Double]
    public var pi1: Double
    public var pi2: Double

    public init(x1y1: ScoredSequence, x1y2: ScoredSequence, x2y2: ScoredSequence, x2y1: ScoredSequence,
                beta: Double, variant: IOPOVariant = .full, labelSmoothing: Double = 0) {
        let a = x1y1.logRatio, b = x1y2.logRatio, c = x2y2.logRatio, d = x2y1.logRatio
        let useOutput = variant != .withoutOutputPreference
        let useInput = variant != .withoutInputPreference
        // ∂Π/∂(a, b, c, d) accumulate alongside the values.
        var pi1 = 0.0, pi2 = 0.0
        var dPi1 = [0.0, 0.0, 0.0, 0.0], dPi2 = [0.0, 0.0, 0.0, 0.0]
        if useOutput {
            pi1 += beta * (a - b); dPi1[0] += beta; dPi1[1] -= beta
            pi2 += beta * (c - d); dPi2[2] += beta; dPi2[3] -= beta
        }
        if useInput {
            pi1 += beta * (a - d); dPi1[0] += beta; dPi1[3] -= beta
            pi2 += beta * (c - b); dPi2[2] += beta; dPi2[1] -= beta
        }
        let z = (pi1 + pi2) / 2
        let (loss, dz) = smoothedSigmoidLoss(z, labelSmoothing: labelSmoothing)
        self.loss = loss
        self.pi1 = pi1
        self.pi2 = pi2
        gradients = (0..<4).map { dz * (dPi1[$0] + dPi2[$0]) / 2 }
        rewards = [beta * a, beta * b, beta * c, beta * d]
    }

    /// For x1: chosen y1, rejected y2. For x2: chosen y2, rejected y1.
    public var chosenRewardV1: Double { rewards[0] }
    public var rejectedRewardV1: Double { rewards[1] }
    public var chosenRewardV2: Double { rewards[2] }
    public var rejectedRewardV2: Double { rewards[3] }
}
