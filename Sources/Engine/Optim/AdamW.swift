// AdamW with decoupled weight decay and bias correction, written to follow torch.optim.AdamW's
// single-tensor update operation for operation:
//   p ← p·(1 − lr·wd);  m ← m + (1 − β1)(g − m);  v ← β2·v + (1 − β2)·g²
//   p ← p − (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + eps)
// The moments and the step count serialise as named tensors so training resumes bit-identically.

import Foundation

/// AdamW hyper-parameters (torch defaults except weight decay, whose Trainer default is 0).
public struct AdamWConfig: Codable, Sendable, Equatable, Hashable {
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }
}

/// Errors restoring or applying optimizer state; cases name the tensor or count involved.
public enum OptimizerError: Error, Equatable, CustomStringConvertible {
    case parameterCountMismatch(expected: Int, found: Int)
    case missingTensor(name: String)
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    case invalidStep(value: Float)

    public var description: String {
        switch self {
        case let .parameterCountMismatch(expected, found):
            return "optimizer state is for \(expected) parameters, the model trains \(found)"
        case let .missingTensor(name):
            return "optimizer state tensor \(name) is missing"
        case let .shapeMismatch(name, expected, found):
            return "optimizer state tensor \(name) has shape \(found), expected \(expected)"
        case let .invalidStep(value):
            return "optimizer state tensor optimizer.step holds \(value), not a non-negative integer"
        }
    }
}

/// AdamW over one flat parameter buffer.
public final class AdamW {
    public let config: AdamWConfig
    public let parameterCount: Int
    /// Number of updates taken so far (torch's `step` state).
    public private(set) var stepCount: Int = 0
    let exponentialAverage: FloatBuffer
    let exponentialAverageSquares: FloatBuffer

    public init(config: AdamWConfig = AdamWConfig(), parameterCount: Int) {
        self.config = config
        self.parameterCount = parameterCount
        exponentialAverage = FloatBuffer(count: parameterCount)
        exponentialAverageSquares = FloatBuffer(count: parameterCount)
    }

    /// An optimizer for the model's trainable parameters (adapters with LoRA, otherwise the base).
    public convenience init(config: AdamWConfig = AdamWConfig(), model: DecoderModel) {
        self.init(config: config, parameterCount: model.trainableParameterCount)
    }

    /// One update of `parameters` from `gradients`. Weight decay applies only inside `decayRanges`.
    public func step(
        parameters: UnsafeMutableBufferPointer<Float>,
        gradients: UnsafeBufferPointer<Float>,
        decayRanges: [Range<Int>],
        learningRate: Float
    ) throws(OptimizerError) {
        if parameters.count != parameterCount || gradients.count != parameterCount {
            throw .parameterCountMismatch(expected: parameterCount, found: parameters.count)
        }
        stepCount += 1
        let p = parameters.baseAddress!
        let g = gradients.baseAddress!
        let m = exponentialAverage.pointer
        let v = exponentialAverageSquares.pointer
        if config.weightDecay != 0 {
            let decay = 1 - learningRate * config.weightDecay
            for range in decayRanges {
                parallelRows(range.count, costPerRow: 1) { chunk in
                    for i in chunk { p[range.lowerBound + i] *= decay }
                }
            }
        }
        let beta1 = config.beta1, beta2 = config.beta2
        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2
        let biasCorrection1 = 1 - pow(Double(beta1), Double(stepCount))
        let biasCorrection2 = 1 - pow(Double(beta2), Double(stepCount))
        let stepSize = Float(Double(learningRate) / biasCorrection1)
        let biasCorrection2Root = Float(biasCorrection2.squareRoot())
        let epsilon = config.epsilon
        parallelRows(parameterCount, costPerRow: 8) { range in
            for i in range {
                let gradient = g[i]
                let mi = m[i] + oneMinusBeta1 * (gradient - m[i])
                let vi = v[i] * beta2 + oneMinusBeta2 * gradient * gradient
                m[i] = mi
                v[i] = vi
                let denominator = vi.squareRoot() / biasCorrection2Root + epsilon
                p[i] -= stepSize * (mi / denominator)
            }
        }
    }

    /// One update of the model's trainable parameters from their accumulated gradients.
    public func step(_ model: DecoderModel, learningRate: Float) throws(OptimizerError) {
        let storage = model.trainable
        let decayRanges = storage.entries.filter(\.decays).map(\.range).sorted { $0.lowerBound < $1.lowerBound }
        try step(parameters: storage.parameters.buffer,
                 gradients: UnsafeBufferPointer(storage.gradients.buffer),
                 decayRanges: decayRanges, learningRate: learningRate)
    }

    /// The optimizer state: `optimizer.exp_avg` and `optimizer.exp_avg_sq` [parameterCount] and
    /// `optimizer.step` [1] (a float, exact for fewer than 2^24 steps).
    public func stateTensors() -> [NamedTensor] {
        [
            NamedTensor(name: "optimizer.exp_avg", shape: [parameterCount], values: exponentialAverage.array()),
            NamedTensor(name: "optimizer.exp_avg_sq", shape: [parameterCount], values: exponentialAverageSquares.array()),
            NamedTensor(name: "optimizer.step", shape: [1], values: [Float(stepCount)]),
        ]
    }

    /// Restores state written by `stateTensors()`.
    public func loadState(_ tensors: [NamedTensor]) throws(OptimizerError) {
        func find(_ name: String, _ shape: [Int]) throws(OptimizerError) -> NamedTensor {
            guard let tensor = tensors.first(where: { $0.name == name }) else { throw .missingTensor(name: name) }
            if tensor.shape != shape { throw .shapeMismatch(name: name, expected: shape, found: tensor.shape) }
            return tensor
        }
        let m = try find("optimizer.exp_avg", [parameterCount])
        let v = try find("optimizer.exp_avg_sq", [parameterCount])
        let step = try find("optimizer.step", [1]).values[0]
        if !(step >= 0) || step != step.rounded() || step > 16_777_216 { throw .invalidStep(value: step) }
        exponentialAverage.write(m.values, at: 0)
        exponentialAverageSquares.write(v.values, at: 0)
        stepCount = Int(step)
    }
}
