import ArgumentParser
import Basics
import Engine
import Foundation
import Pipeline

/// Hidden: the engine's side of scripts/parity/objective_parity.py. Loads a Hugging Face model
/// (and a PEFT adapter), takes a fixed batch of token-id quadruples, and writes the loss, reward
/// metrics and trainable-parameter gradients of one optimizer step over the whole batch under the
/// chosen objective — exactly what the trainer would apply, before clipping — as JSON.
struct TrainParityDump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parity-dump",
        abstract: "Write one step's loss and gradients for a fixed batch (for the PyTorch parity check).",
        shouldDisplay: false)

    @Option(help: "Hugging Face model directory.") var model: String
    @Option(help: "PEFT adapter directory: only the adapters train, the reference is the model with them off.") var adapter: String?
    @Option(help: "Reference model directory (default: the model itself, with any adapter off).") var reference: String?
    @Option(help: "JSON file {\"quadruples\": [{\"x1\": [ids], \"y1\": [...], \"x2\": [...], \"y2\": [...]}]}.") var batch: String
    @Option(help: "sft, dpo, iopo, iopo-no-input or iopo-no-output.") var objective: String
    @Option var beta = 0.1
    @Option var labelSmoothing = 0.0
    @Option var prefFtx = 0.0
    @Option(help: "Units per forward pass (default: all in one).") var microBatchSize: Int?
    @Option(help: "Output JSON file.") var out: String

    func run() throws {
        guard let objective = TrainingObjective(rawValue: objective) else {
            throw CLIError.invalid("--objective \(self.objective) is not one of \(TrainingObjective.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        func load(_ path: String) throws -> Qwen2Model {
            let directory = try HFModelDirectory.read(from: URL(fileURLWithPath: path))
            return try Qwen2Model(config: Qwen2Config(huggingFace: try directory.qwen2Config()), tensors: directory.tensors)
        }
        let network: Qwen2Model
        let referenceNetwork: Qwen2Model?
        do {
            network = try load(model)
            referenceNetwork = try reference.map(load)
            if let adapter {
                let peft = try PEFTAdapterDirectory.read(from: URL(fileURLWithPath: adapter))
                let targets = peft.config.targetModules.compactMap(LoRATarget.init(rawValue:))
                try network.loadLoRA(LoRAConfig(rank: peft.config.rank, alpha: Float(peft.config.alpha), targetModules: targets), tensors: peft.tensors)
            }
        } catch { throw CLIError.invalid("\(error)") }
        let examples = try TrainParityDump.readBatch(batch)
        let units = examples.count * (objective == .iopo || objective == .iopoNoInput || objective == .iopoNoOutput ? 1 : 2)
        let config = TrainingConfig(objective: objective, batchSize: units, microBatchSize: microBatchSize ?? units, cutoffLength: 1 << 20,
                                    beta: beta, labelSmoothing: labelSmoothing, prefFTX: prefFtx)
        do {
            let trainer = try Trainer(model: network, config: config, examples: examples)
            try trainer.computeReferenceScores(using: referenceNetwork)
            let (metrics, gradients) = try trainer.lossAndGradients(forStep: 0)
            var text = "{\n\"metrics\": {"
            text += metrics.keys.sorted().map { "\"\($0)\": \(String(format: "%.17g", metrics[$0]!))" }.joined(separator: ", ")
            text += "},\n\"gradients\": {\n"
            text += gradients.map { tensor in
                "\"\(tensor.name)\": [" + tensor.values.map { String(format: "%.9g", $0) }.joined(separator: ",") + "]"
            }.joined(separator: ",\n")
            text += "\n}\n}\n"
            try AtomicFile.write(Array(text.utf8), to: out)
        } catch let error as TrainingError {
            throw CLIError.invalid("\(error)")
        }
    }

    static func readBatch(_ path: String) throws -> [TrainingExample] {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let items = object["quadruples"] as? [[String: Any]], !items.isEmpty else {
            throw CLIError.invalid("--batch \(path): expected {\"quadruples\": [{\"x1\": [...], \"y1\": [...], \"x2\": [...], \"y2\": [...]}, ...]}")
        }
        return try items.enumerated().map { index, item in
            func ids(_ key: String) throws -> [Int32] {
                guard let values = item[key] as? [Int], !values.isEmpty else {
                    throw CLIError.invalid("--batch \(path): quadruple \(index) has no token list \"\(key)\"")
                }
                return values.map(Int32.init)
            }
            return .quadruple(x1: try ids("x1"), y1: try ids("y1"), x2: try ids("x2"), y2: try ids("y2"))
        }
    }
}
