import ArgumentParser
import Basics
import COpenBLAS
import Engine
import Foundation

/// `model bench` (hidden; used by scripts/bench/engine): the engine's training throughput
/// (forward + backward + AdamW on full batches of random tokens), greedy decode throughput with the
/// KV cache, and cblas_sgemm's measured peak on this machine, for a model config. The PyTorch side
/// of the comparison is scripts/bench/engine_torch.py, which does the same work.
struct ModelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training and decode tokens/s and the sgemm peak for a model config (scripts/bench/engine).",
        shouldDisplay: false)

    @Option(help: "Model config (.json or .toml) with Hugging Face Qwen2 field names.") var config: String
    @Option(help: "Sequences per training step.") var batch = 8
    @Option(help: "Tokens per training sequence.") var seq = 256
    @Option(help: "Timed training steps (after one untimed warm-up step); the fastest counts.") var trainSteps = 3
    @Option(help: "Decode prompt length in tokens.") var decodePrompt = 32
    @Option(help: "Tokens to decode greedily (no stop token).") var decodeTokens = 128
    @Option(help: "Timed decodes; the fastest counts.") var decodeRepeats = 2
    @Option(help: "Size n of the n×n×n sgemm that measures the peak (0: skip).") var sgemmSize = 2048
    @Option(help: "Seed of the weights and tokens.") var seed: UInt64 = 1
    @OptionGroup var engine: EngineOptions

    struct Report: Encodable {
        var blasCore: String
        var threads: Int
        var parameters: Int
        var matmulParameters: Int
        var batch: Int
        var seq: Int
        var trainSteps: Int
        /// Seconds of each timed step, in order.
        var trainStepSeconds: [Double]
        var trainTokensPerSecond: Double
        var trainFlopsPerToken: Double
        var decodePrompt: Int
        var decodeTokens: Int
        var prefillSeconds: Double
        /// Seconds of each timed decode (tokens after the first), in order.
        var decodeSeconds: [Double]
        var decodeTokensPerSecond: Double
        var decodeFlopsPerToken: Double
        var sgemmSize: Int
        var sgemmPeakGflops: Double

        enum CodingKeys: String, CodingKey {
            case blasCore = "blas_core", threads, parameters, matmulParameters = "matmul_parameters", batch, seq
            case trainSteps = "train_steps", trainStepSeconds = "train_step_seconds", trainTokensPerSecond = "train_tokens_per_second"
            case trainFlopsPerToken = "train_flops_per_token", decodePrompt = "decode_prompt", decodeTokens = "decode_tokens"
            case prefillSeconds = "prefill_seconds", decodeSeconds = "decode_seconds", decodeTokensPerSecond = "decode_tokens_per_second"
            case decodeFlopsPerToken = "decode_flops_per_token", sgemmSize = "sgemm_size", sgemmPeakGflops = "sgemm_peak_gflops"
        }
    }

    func run() throws {
        guard batch >= 1, seq >= 2, trainSteps >= 1, decodePrompt >= 1, decodeTokens >= 2, decodeRepeats >= 1, sgemmSize >= 0 else {
            throw CLIError.invalid("--batch, --train-steps, --decode-prompt, --decode-repeats must be ≥ 1, --seq and --decode-tokens ≥ 2, --sgemm-size ≥ 0")
        }
        try engine.apply()
        let hf = try ModelConfigFile.read(config)
        let modelConfig = DecoderConfig(huggingFace: hf)
        if seq > modelConfig.maxPositionEmbeddings || decodePrompt + decodeTokens > modelConfig.maxPositionEmbeddings {
            throw CLIError.invalid("--seq and --decode-prompt + --decode-tokens must fit max_position_embeddings \(modelConfig.maxPositionEmbeddings)")
        }
        let report = try EngineErrorMapping.mapped { () throws -> Report in
            let model = try DecoderModel(config: modelConfig, seed: seed)
            var rng = Xoshiro256StarStar(seed: seed, stream: 0x4245_4E43)
            let vocab = modelConfig.vocabSize
            func randomTokens(_ count: Int) -> [Int32] { (0..<count).map { _ in Int32(rng.nextInt(below: vocab)) } }

            // Training: every token but the first of each sequence is a target.
            let optimizer = AdamW(config: AdamWConfig(weightDecay: 0.01), model: model)
            var stepSeconds: [Double] = []
            for step in 0...trainSteps {
                let tokens = try Batch(sequences: (0..<batch).map { _ in randomTokens(seq) }, promptLengths: Array(repeating: 1, count: batch))
                let start = DispatchTime.now().uptimeNanoseconds
                model.zeroGradients()
                _ = try model.forward(tokens)
                try model.backward(tokenWeights: tokens.meanLossWeights())
                try optimizer.step(model, learningRate: 1e-4)
                if step > 0 { stepSeconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
            }

            // Decode: the first token arrives after the prefill; the rest are one cached step each.
            let prompt = randomTokens(decodePrompt)
            let generator = Generator(model: model)
            _ = try generator.generate(prompt: prompt, maxNewTokens: 2)  // warm-up: buffers, caches
            var decodeSeconds: [Double] = [], prefillSeconds: [Double] = []
            var decoded = 0
            for _ in 0..<decodeRepeats {
                var firstToken: UInt64 = 0
                let start = DispatchTime.now().uptimeNanoseconds
                let result = try generator.generate(prompt: prompt, maxNewTokens: decodeTokens) { _ in
                    if firstToken == 0 { firstToken = DispatchTime.now().uptimeNanoseconds }
                    return false
                }
                let end = DispatchTime.now().uptimeNanoseconds
                decodeSeconds.append(Double(end - firstToken) / 1e9)
                prefillSeconds.append(Double(firstToken - start) / 1e9)
                decoded = result.tokens.count - 1
            }

            let flops = ModelFlops(config: modelConfig)
            return Report(
                blasCore: BLASRuntime.coreName, threads: BLASRuntime.threadCount,
                parameters: model.parameterCount, matmulParameters: flops.matmulParameters,
                batch: batch, seq: seq, trainSteps: trainSteps, trainStepSeconds: stepSeconds,
                trainTokensPerSecond: Double(batch * seq) / stepSeconds.min()!,
                trainFlopsPerToken: flops.trainingPerToken(sequenceLength: seq),
                decodePrompt: decodePrompt, decodeTokens: decoded,
                prefillSeconds: prefillSeconds.min()!, decodeSeconds: decodeSeconds,
                decodeTokensPerSecond: Double(decoded) / decodeSeconds.min()!,
                decodeFlopsPerToken: flops.decodePerToken(context: decodePrompt + decodeTokens / 2),
                sgemmSize: sgemmSize, sgemmPeakGflops: sgemmSize > 0 ? Self.sgemmPeak(size: sgemmSize) : 0)
        }
        try Output.printJSON(report)
    }

    /// The best of several n×n×n cblas_sgemm runs, in GFLOP/s (2n³ flops each), at the pinned
    /// kernel family and thread count: the machine's practical float32 peak for this library.
    static func sgemmPeak(size n: Int) -> Double {
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var best = 0.0
        let deadline = DispatchTime.now().uptimeNanoseconds + 2_000_000_000
        var runs = 0
        repeat {
            let start = DispatchTime.now().uptimeNanoseconds
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(n), blasint(n), blasint(n),
                                    1, a.baseAddress, blasint(n), b.baseAddress, blasint(n), 0, c.baseAddress, blasint(n))
                    }
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = max(best, 2 * Double(n) * Double(n) * Double(n) / seconds / 1e9)
            runs += 1
        } while runs < 3 || (DispatchTime.now().uptimeNanoseconds < deadline && runs < 20)
        return best
    }
}
