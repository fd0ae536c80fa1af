/// One training example as token ids: prompts already rendered with the chat template (ending
/// with the assistant header), responses ending with the end-of-turn token.
public enum TrainingExample: Sendable, Equatable {
    case sft(prompt: [Int32], response: [Int32])
    case pair(prompt: [Int32], chosen: [Int32], rejected: [Int32])
    /// y1 satisfies x1; x2 is x1 revised so that y1 no longer satisfies it; y2 satisfies x2.
    case quadruple(x1: [Int32], y1: [Int32], x2: [Int32], y2: [Int32])

    var kindName: String {
        switch self {
        case .sft: return "an SFT example"
        case .pair: return "a preference pair"
        case .quadruple: return "an IOPO quadruple"
        }
    }
}

/// One (prompt, response) sequence to score.
struct ScoredPair: Sendable, Equatable {
    var prompt: [Int32]
    var response: [Int32]
    var tokens: [Int32] { prompt + response }
    /// Tokens whose log-probability is scored: the response (the first token of a sequence has
    /// no context, so with an empty prompt the response's first token is not scored).
    var targetCount: Int { max(prompt.count + response.count - max(prompt.count, 1), 0) }
}

/// What one objective trains on: the sequences of one unit, in the objective's order.
///   SFT: [(x, y)];  DPO: [(x, y_w), (x, y_l)];  IOPO: [(x1,y1), (x1,y2), (x2,y2), (x2,y1)].
struct TrainingUnit: Sendable, Equatable {
    var sequences: [ScoredPair]
}

/// How the data was fitted to the context.
public struct DataPreparation: Sendable, Equatable, Codable {
    public var units: Int
    public var truncatedSequences: Int
    public var droppedUnits: Int
}

enum TrainingUnits {
    /// Expands examples into units for `objective`: quadruples feed every objective (SFT gets
    /// (x1,y1) and (x2,y2); DPO gets (x1: y1 ≻ y2) and (x2: y2 ≻ y1)), so that all methods see the
    /// same data. Then fits each sequence to `cutoffLength` per the truncation policy.
    static func make(_ examples: [TrainingExample], objective: TrainingObjective, cutoffLength: Int,
                     truncation: TruncationPolicy) throws(TrainingError) -> ([TrainingUnit], DataPreparation) {
        var units: [TrainingUnit] = []
        for (index, example) in examples.enumerated() {
            switch (objective, example) {
            case (.sft, .sft(let p, let r)):
                units.append(TrainingUnit(sequences: [ScoredPair(prompt: p, response: r)]))
            case (.sft, .quadruple(let x1, let y1, let x2, let y2)):
                units.append(TrainingUnit(sequences: [ScoredPair(prompt: x1, response: y1)]))
                units.append(TrainingUnit(sequences: [ScoredPair(prompt: x2, response: y2)]))
            case (.dpo, .pair(let p, let c, let r)):
                units.append(TrainingUnit(sequences: [ScoredPair(prompt: p, response: c), ScoredPair(prompt: p, response: r)]))
            case (.dpo, .quadruple(let x1, let y1, let x2, let y2)):
                units.append(TrainingUnit(sequences: [ScoredPair(prompt: x1, response: y1), ScoredPair(prompt: x1, response: y2)]))
                units.append(TrainingUnit(sequences: [ScoredPair(prompt: x2, response: y2), ScoredPair(prompt: x2, response: y1)]))
            case (.iopo, .quadruple(let x1, let y1, let x2, let y2)), (.iopoNoInput, .quadruple(let x1, let y1, let x2, let y2)),
                 (.iopoNoOutput, .quadruple(let x1, let y1, let x2, let y2)):
                units.append(TrainingUnit(sequences: [ScoredPair(prompt: x1, response: y1), ScoredPair(prompt: x1, response: y2),
                                                      ScoredPair(prompt: x2, response: y2), ScoredPair(prompt: x2, response: y1)]))
            default:
                throw .incompatibleData(objective: objective, found: example.kindName, index: index)
            }
        }
        if units.isEmpty { throw .emptyDataset(reason: "the dataset is empty") }
        var kept: [TrainingUnit] = []
        var truncated = 0, dropped = 0
        for var unit in units {
            var keep = true
            var cut = 0
            for i in unit.sequences.indices where unit.sequences[i].prompt.count + unit.sequences[i].response.count > cutoffLength {
                // A prompt that leaves no room for one response token cannot be trained on.
                let room = cutoffLength - unit.sequences[i].prompt.count
                if truncation == .drop || room < 1 { keep = false; break }
                unit.sequences[i].response = Array(unit.sequences[i].response.prefix(room))
                cut += 1
            }
            if keep {
                kept.append(unit)
                truncated += cut
            } else {
                dropped += 1
            }
        }
        if kept.isEmpty {
            throw .emptyDataset(reason: "all \(units.count) units exceed cutoff_length \(cutoffLength) and were dropped")
        }
        return (kept, DataPreparation(units: kept.count, truncatedSequences: truncated, droppedUnits: dropped))
    }
}
