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
    @Option(help: "The training objective.") var objective: TrainingObjective
    @Option var beta = 0.1
    @Option var labelSmoothing = 0.0
    @Option var prefFtx = 0.0
    @Option(help: "Units per forward pass (default: all in one).") var microBatchSize: Int?
    @Option(help: "Output JSON file.") var out: String

    func run() throws {
        func load(_ path: String) throws -> DecoderModel {
            let directory = try HFModelDirectory.read(from: URL(fileURLWithPath: path))
            return try DecoderModel(config: DecoderConfig(huggingFace: try directory.decoderConfig()), tensors: directory.tensors)
        }
        let network: DecoderModel
        let referenceNetwork: DecoderModel?
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
            // Numbers with every digit the parity script compares: %.17g for the double metrics,
            // %.9g for the float gradients; gradients in the trainer's tensor order.
            let document = JSONValue.object([
                JSONMember("metrics", .object(metrics.mapValues { .number(String(format: "%.17g", $0)) })),
                JSONMember("gradients", .object(gradients.map { tensor in
                    JSONMember(tensor.name, .array(tensor.values.map { .number(String(format: "%.9g", $0)) }))
                })),
            ])
            try AtomicFile.write(JSONWriter.compact.bytes(document) + [UInt8(ascii: "\n")], to: out)
        } catch let error as TrainingError {
            throw CLIError.invalid("\(error)")
        }
    }

    static func readBatch(_ path: String) throws -> [TrainingExample] {
        guard let data = FileManager.default.contents(atPath: path),
              let root = try? JSONParser.parse(bytes: [UInt8](data)),
              let items = root["quadruples"]?.arrayValue, !items.isEmpty, items.allSatisfy({ $0.objectMembers != nil }) else {
            throw CLIError.invalid("--batch \(path): expected {\"quadruples\": [{\"x1\": [...], \"y1\": [...], \"x2\": [...], \"y2\": [...]}, ...]}")
        }
        return try items.enumerated().map { index, item in
            func ids(_ key: String) throws -> [Int32] {
                let values = item[key]?.arrayValue?.map(\.wholeNumberValue) ?? []
                guard !values.isEmpty, !values.contains(nil) else {
                    throw CLIError.invalid("--batch \(path): quadruple \(index) has no token list \"\(key)\"")
                }
                return values.map { Int32($0!) }
            }
            return .quadruple(x1: try ids("x1"), y1: try ids("y1"), x2: try ids("x2"), y2: try ids("y2"))
        }
    }
}
