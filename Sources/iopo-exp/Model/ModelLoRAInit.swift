import ArgumentParser
import Basics
import Engine
import Foundation

/// `model lora-init`: a fresh LoRA adapter for a model, written as a PEFT directory. A is
/// Kaiming-uniform and B zero, as PEFT initialises them; --b-std draws B from N(0, std²) instead,
/// which makes the adapter change the model (what scripts/parity needs to test adapters).
struct ModelLoRAInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lora-init",
        abstract: "Create a LoRA adapter for a model as a PEFT directory (B zero, or random with --b-std).")

    @Argument(help: ArgumentHelp(ModelLocation.argumentHelp)) var model: String
    @Option(help: "LoRA rank r.") var rank = 8
    @Option(help: "LoRA alpha (the update is scaled by alpha / r).") var alpha: Float = 16
    @Option(help: "Comma-separated modules to adapt (default: all linear layers).")
    var targetModules = LoRATarget.allCases.map(\.rawValue).joined(separator: ",")
    @Option(help: "Seed for A (and B with --b-std).") var seed: UInt64 = 1
    @Option(help: "Standard deviation of a random B (default 0: B is zero, the adapter starts as a no-op).") var bStd: Float = 0
    @Option(help: "Output PEFT directory (must not exist).") var out: String
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        if FileManager.default.fileExists(atPath: out) { throw CLIError.invalid("\(out) already exists; choose a new directory") }
        guard bStd >= 0, bStd.isFinite else { throw CLIError.invalid("--b-std must be a finite number ≥ 0") }
        let targets = try targetModules.split(separator: ",").map { name -> LoRATarget in
            guard let target = LoRATarget(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw CLIError.invalid("--target-modules: \(name) is not one of \(LoRATarget.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return target
        }
        let location = try ModelLocation(model, storeOptions: storeOptions)
        defer { location.cleanup() }
        try EngineErrorMapping.mapped {
            let bundle = try location.loadBundle()
            let config = LoRAConfig(rank: rank, alpha: alpha, targetModules: targets)
            try bundle.model.attachLoRA(config, seed: seed)
            if bStd > 0 {
                var rng = Xoshiro256StarStar(seed: seed, stream: 0x4C6F_5241_4242)
                let tensors = try bundle.model.loraTensors().map { tensor -> NamedTensor in
                    guard tensor.name.hasSuffix(".lora_B.weight") else { return tensor }
                    return NamedTensor(name: tensor.name, shape: tensor.shape, values: tensor.values.map { _ in Float(rng.nextNormal()) * bStd })
                }
                try bundle.model.loadLoRA(config, tensors: tensors)
            }
            try OutputDirectory.write(out) { staging in
                try EngineErrorMapping.mapped { try bundle.exportAdapter(to: staging, baseModel: model) }
            }
        }
        print("wrote \(out): LoRA r=\(rank) alpha=\(ModelSummary.number(Double(alpha))) on \(targets.map(\.rawValue).sorted().joined(separator: ","))"
              + (bStd > 0 ? ", B ~ N(0, \(bStd)²)" : ", B = 0"))
    }
}
