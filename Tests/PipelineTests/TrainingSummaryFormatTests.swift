import Foundation
@testable import Engine
@testable import Pipeline
import Testing

/// train_summary.json is part of the train step's hashed output, so its bytes are pinned: sorted
/// keys, no whitespace, `CanonicalNumber` text for the metrics, a final newline.
@Suite struct TrainingSummaryFormatTests {
    @Test func aSummaryIsPinned() {
        let summary = TrainingSummary(steps: 12, data: DataPreparation(units: 40, truncatedSequences: 2, droppedUnits: 1),
                                      finalMetrics: ["loss": 0.25, "rewards/margins": 1.23456789012, "rewards/accuracies": 1, "b": .nan],
                                      seconds: 3.5)
        #expect(TrainingRun.summaryJSON(summary, config: TrainingConfig(objective: .iopo)) == #"{"dropped_units":1,"final_metrics":{"b":null,"loss":0.25,"rewards/accuracies":1,"rewards/margins":1.23456789},"objective":"iopo","steps":12,"truncated_sequences":2,"units":40}"# + "\n")
    }
}
