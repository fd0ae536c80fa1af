import Foundation
import Testing
@testable import Engine

/// train_log.jsonl lines are part of the train step's hashed output, so their bytes are pinned:
/// sorted keys, no whitespace, `CanonicalNumber` text (integers bare, others with 9 significant
/// digits, NaN as null, infinities as ±1e999).
@Suite struct TrainingLogFormatTests {
    @Test func aStepLogLineIsPinned() {
        let log = TrainingStepLog(
            step: 3, totalSteps: 10, epoch: 0.5, learningRate: 1e-5, gradientNorm: 12.345678912, tokens: 1024, tokensPerSecond: 99.5,
            metrics: ["loss": 0.6931471805599453, "rewards/chosen": -0.0, "rewards/accuracies": 1, "rewards/margins": .nan,
                      "rewards/chosen_v2": 1e20, "a_inf": .infinity, "Z": -.infinity, "rewards/rejected_v1": -2.5e-7])
        #expect(log.jsonLine() == #"{"Z":-1e999,"a_inf":1e999,"epoch":0.5,"grad_norm":12.3456789,"learning_rate":1e-05,"loss":0.693147181,"rewards/accuracies":1,"rewards/chosen":0,"rewards/chosen_v2":1e+20,"rewards/margins":null,"rewards/rejected_v1":-2.5e-07,"step":3,"tokens":1024}"#)
    }
}
