// Learning-rate schedule: linear warmup then cosine decay to zero, as Hugging Face's
// get_cosine_schedule_with_warmup (num_cycles 0.5). The learning rate of optimizer step k (0-based)
// is lr(k); with warmup the very first step therefore uses lr 0, exactly as in transformers.

import Foundation

/// Linear warmup from 0 to `peak` over `warmupSteps`, then half a cosine down to 0 at `totalSteps`.
public struct CosineSchedule: Codable, Sendable, Equatable {
    public var peak: Double
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(peak: Double, warmupSteps: Int, totalSteps: Int) {
        self.peak = peak
        self.warmupSteps = max(0, warmupSteps)
        self.totalSteps = max(0, totalSteps)
    }

    /// A schedule whose warmup is ceil(ratio · totalSteps) steps, as TrainingArguments.warmup_ratio.
    public init(peak: Double, warmupRatio: Double, totalSteps: Int) {
        self.init(peak: peak, warmupSteps: Int((warmupRatio * Double(totalSteps)).rounded(.up)), totalSteps: totalSteps)
    }

    /// The learning rate for optimizer step `step` (0-based).
    public func learningRate(atStep step: Int) -> Double {
        if step < warmupSteps {
            return peak * Double(step) / Double(max(1, warmupSteps))
        }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        return peak * max(0, 0.5 * (1 + cos(Double.pi * 2 * 0.5 * progress)))
    }
}
