import ArgumentParser
import Basics
import Engine
import Foundation

/// `model smoke-train` (hidden; the determinism probe of docs/determinism.md): trains a model for
/// a few AdamW steps on seeded random token batches and exports it. The same model, seed, kernel
/// family and thread count must give byte-identical files; comparing their hashes across runs,
/// processes, machines or settings shows what changes the bits.
struct ModelSmokeTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smoke-train",
        abstract: "Train a model a few AdamW steps on seeded random tokens and export it (determinism probe).",
        shouldDisplay: false)

    @Argument(help: ArgumentHelp(ModelLocation.argumentHelp)) var model: String
    @Option(help: "Optimizer steps.") var steps = 4
    @Option(help: "Sequences per step.") var batch = 4
    @Option(help: "Tokens per sequence.") var seq = 64
    @Option(help: "Seed of the token batches.") var seed: UInt64 = 1
    @Option(help: "Peak learning rate (linear warmup over the first step, cosine decay).") var learningRate = 1e-3
    @Option(help: "Output Hugging Face directory (must not exist).") var out: String
    @OptionGroup var engine: EngineOptions
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        guard steps >= 1, batch >= 1, seq >= 2 else { throw CLIError.invalid("--steps and --batch must be ≥ 1 and --seq ≥ 2") }
        if FileManager.default.fileExists(atPath: out) { throw CLIError.invalid("\(out) already exists; choose a new directory") }
        try engine.apply()
        let location = try ModelLocation(model, storeOptions: storeOptions)
        defer { location.cleanup() }
        try EngineErrorMapping.mapped {
            let bundle = try location.loadBundle()
            let model = bundle.model
            let vocab = bundle.tokenizer.vocabularySize
            let optimizer = AdamW(config: AdamWConfig(weightDecay: 0.01), model: model)
            let schedule = CosineSchedule(peak: learningRate, warmupSteps: 1, totalSteps: steps + 1)
            var rng = Xoshiro256StarStar(seed: seed, stream: 0x534D_4F4B)
            for step in 0..<steps {
                let sequences = (0..<batch).map { _ in (0..<seq).map { _ in Int32(rng.nextInt(below: vocab)) } }
                let tokens = try Batch(sequences: sequences, promptLengths: Array(repeating: 1, count: batch))
                model.zeroGradients()
                let forward = try model.forward(tokens)
                try model.backward(tokenWeights: tokens.meanLossWeights())
                let norm = model.clipGradients(maxNorm: 1)
                try optimizer.step(model, learningRate: Float(schedule.learningRate(atStep: step + 1)))
                print("step \(step + 1)/\(steps) loss \(CanonicalNumber.format(forward.loss)) grad_norm \(CanonicalNumber.format(norm))")
            }
            try OutputDirectory.write(out) { staging in try EngineErrorMapping.mapped { try bundle.export(to: staging) } }
        }
        print("wrote \(out) (OpenBLAS \(BLASRuntime.coreName), \(BLASRuntime.threadCount) thread\(BLASRuntime.threadCount == 1 ? "" : "s"))")
    }
}
