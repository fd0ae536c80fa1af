import ArgumentParser
import Basics
import COpenBLAS
import Engine
import Foundation

/// `model bench` (hidden; used by scripts/bench/engine and scripts/bench/real-model): the engine's
/// training throughput (forward + backward + AdamW on full batches of random tokens; full fine-
/// tuning, or LoRA on every linear layer with --lora-rank), greedy decode throughput with the KV
/// cache, the process's peak resident memory, and cblas_sgemm's measured peak on this machine,
/// for a random model of a config or a real model (--model). The PyTorch sides of the comparisons
/// are in engine_bench.py and real_model_bench.py, which do the same work.
struct ModelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training and decode tokens/s and the sgemm peak for a model config (scripts/bench/engine).",
        shouldDisplay: false)

    @Option(help: "Model config (.json or .toml) with Hugging Face field names: a randomly initialised model.") var config: String?
    @Option(help: "A real model instead of --config: \(ModelLocation.argumentHelp)") var model: String?
    @Option(help: "LoRA rank on every linear layer (alpha 2·rank); 0 trains every parameter.") var loraRank = 0
    @Option(help: "Also measure the serving path's batched decode (BatchDecoder) at these batch sizes, comma-separated (e.g. 1,4,16).") var decodeBatches: String?
    @Option(help: "Sequences per training step.") var batch = 8
    @Option(help: "Tokens per training sequence.") var seq = 256
    @Option(help: "Timed training steps (after one untimed warm-up step); the fastest counts.") var trainSteps = 3
    @Option(help: "Decode prompt length in tokens.") var decodePrompt = 32
    @Option(help: "Tokens to decode greedily (no stop token).") var decodeTokens = 128
    @Option(help: "Timed decodes; the fastest counts.") var decodeRepeats = 2
    @Option(help: "Size n of the n×n×n sgemm that measures the peak (0: skip).") var sgemmSize = 2048
    @Option(help: "Seed of the weights and tokens.") var seed: UInt64 = 1
    @OptionGroup var engine: EngineOptions
    @OptionGroup var storeOptions: StoreOptions

    struct Report: Encodable {
        var blasCore: String
        var threads: Int
        var parameters: Int
        var matmulParameters: Int
        /// Parameters the optimizer updates (the adapters' with LoRA).
        var trainableParameters: Int
        var loraRank: Int
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
        /// Bytes of float32 weights read per decoded token (every matrix product's, plus one
        /// embedding row): what bounds single-sequence decode by memory bandwidth.
        var decodeWeightBytesPerToken: Double
        /// The process's peak resident set (getrusage), after loading, training and decoding.
        var peakRSSBytes: Int
        /// The batched, batch-invariant decode of the serving path at each batch size.
        var batchedDecode: [BatchedDecode]
        /// The row-invariant product kernel this CPU runs.
        var rowProductKernel: String
        /// With --decode-batches: BLAS and the row-invariant kernel on the MLP's two products at
        /// each batch size (one token row per sequence).
        var productKernels: [ProductTiming]

        struct ProductTiming: Encodable {
            var rows: Int
            var inFeatures: Int
            var outFeatures: Int
            var blasGflops: Double
            var rowInvariantGflops: Double

            enum CodingKeys: String, CodingKey {
                case rows, inFeatures = "in_features", outFeatures = "out_features"
                case blasGflops = "blas_gflops", rowInvariantGflops = "row_invariant_gflops"
            }
        }

        struct BatchedDecode: Encodable {
            var batch: Int
            /// Generated tokens per second over all sequences (tokens after each one's first).
            var tokensPerSecond: Double
            /// Seconds to the first token of every sequence (all prompts prefilled in one step).
            var prefillSeconds: Double

            enum CodingKeys: String, CodingKey {
                case batch, tokensPerSecond = "tokens_per_second", prefillSeconds = "prefill_seconds"
            }
        }

        enum CodingKeys: String, CodingKey {
            case blasCore = "blas_core", threads, parameters, matmulParameters = "matmul_parameters"
            case trainableParameters = "trainable_parameters", loraRank = "lora_rank", batch, seq
            case trainSteps = "train_steps", trainStepSeconds = "train_step_seconds", trainTokensPerSecond = "train_tokens_per_second"
            case trainFlopsPerToken = "train_flops_per_token", decodePrompt = "decode_prompt", decodeTokens = "decode_tokens"
            case prefillSeconds = "prefill_seconds", decodeSeconds = "decode_seconds", decodeTokensPerSecond = "decode_tokens_per_second"
            case decodeFlopsPerToken = "decode_flops_per_token", sgemmSize = "sgemm_size", sgemmPeakGflops = "sgemm_peak_gflops"
            case decodeWeightBytesPerToken = "decode_weight_bytes_per_token", peakRSSBytes = "peak_rss_bytes"
            case batchedDecode = "batched_decode", rowProductKernel = "row_product_kernel", productKernels = "product_kernels"
        }
    }

    /// --decode-batches as batch sizes.
    func batchSizes() throws -> [Int] {
        try (decodeBatches?.split(separator: ",", omittingEmptySubsequences: false) ?? []).map { text -> Int in
            guard let size = Int(text.trimmingCharacters(in: .whitespaces)), size >= 1 else {
                throw ValidationError("--decode-batches: \"\(text)\" is not a positive batch size")
            }
            return size
        }
    }

    func validate() throws {
        guard batch >= 1, seq >= 2, trainSteps >= 1, decodePrompt >= 1, decodeTokens >= 2, decodeRepeats >= 1, sgemmSize >= 0, loraRank >= 0 else {
            throw ValidationError("--batch, --train-steps, --decode-prompt, --decode-repeats must be ≥ 1, --seq and --decode-tokens ≥ 2, --sgemm-size and --lora-rank ≥ 0")
        }
        guard (config == nil) != (model == nil) else { throw ValidationError("give exactly one of --config and --model") }
        _ = try batchSizes()
    }

    func run() throws {
        let batchSizes = try batchSizes()
        try engine.apply()
        let model: DecoderModel
        if let config {
            let modelConfig = DecoderConfig(huggingFace: try ModelConfigFile.read(config))
            model = try EngineErrorMapping.mapped { try DecoderModel(config: modelConfig, seed: seed) }
        } else {
            let location = try ModelLocation(self.model!, storeOptions: storeOptions)
            defer { location.cleanup() }
            model = try location.loadBundle().model
        }
        if loraRank > 0 {
            try EngineErrorMapping.mapped { try model.attachLoRA(LoRAConfig(rank: loraRank, alpha: Float(2 * loraRank)), seed: seed) }
        }
        let modelConfig = model.config
        if seq > modelConfig.maxPositionEmbeddings || decodePrompt + decodeTokens > modelConfig.maxPositionEmbeddings {
            throw CLIError.invalid("--seq and --decode-prompt + --decode-tokens must fit max_position_embeddings \(modelConfig.maxPositionEmbeddings)")
        }
        let report = try EngineErrorMapping.mapped { () throws -> Report in
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

            // Decoding measures the base network, as served: the adapters trained above are dropped.
            if loraRank > 0 { model.detachLoRA() }

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

            // Batched decode on the serving path: `batch` sequences of random prompts decoded together.
            var batched: [Report.BatchedDecode] = []
            for size in batchSizes {
                let decoder = BatchDecoder(model: model)
                var bestSeconds = Double.infinity, bestPrefill = Double.infinity
                for _ in 0..<decodeRepeats {
                    let fresh = (0..<size).map { _ in decoder.makeSequence(capacity: decodePrompt + decodeTokens) }
                    let start = DispatchTime.now().uptimeNanoseconds
                    var logits = try decoder.step(fresh.map { ($0, randomTokens(decodePrompt)) })
                    let afterPrefill = DispatchTime.now().uptimeNanoseconds
                    for _ in 1..<decodeTokens {
                        let next = logits.map { row in Int32(row.indices.max { row[$0] < row[$1] }!) }
                        logits = try decoder.step(zip(fresh, next).map { ($0, [$1]) })
                    }
                    let end = DispatchTime.now().uptimeNanoseconds
                    bestSeconds = min(bestSeconds, Double(end - afterPrefill) / 1e9)
                    bestPrefill = min(bestPrefill, Double(afterPrefill - start) / 1e9)
                }
                batched.append(Report.BatchedDecode(batch: size, tokensPerSecond: Double(size * (decodeTokens - 1)) / bestSeconds,
                                                    prefillSeconds: bestPrefill))
            }

            // The kernels alone on the MLP's products (gate and up fused, then down).
            var productKernels: [Report.ProductTiming] = []
            let c = modelConfig.hiddenSize, mlp = modelConfig.intermediateSize
            for size in batchSizes {
                for (inFeatures, outFeatures) in [(c, 2 * mlp), (mlp, c)] {
                    productKernels.append(Report.ProductTiming(
                        rows: size, inFeatures: inFeatures, outFeatures: outFeatures,
                        blasGflops: ProductKernel.blas.measuredGflops(rows: size, inFeatures: inFeatures, outFeatures: outFeatures),
                        rowInvariantGflops: ProductKernel.rowInvariant.measuredGflops(rows: size, inFeatures: inFeatures,
                                                                                      outFeatures: outFeatures)))
                }
            }

            let flops = ModelFlops(config: modelConfig)
            return Report(
                blasCore: BLASRuntime.coreName, threads: BLASRuntime.threadCount,
                parameters: model.parameterCount, matmulParameters: flops.matmulParameters,
                trainableParameters: model.trainableParameterCount, loraRank: loraRank,
                batch: batch, seq: seq, trainSteps: trainSteps, trainStepSeconds: stepSeconds,
                trainTokensPerSecond: Double(batch * seq) / stepSeconds.min()!,
                trainFlopsPerToken: flops.trainingPerToken(sequenceLength: seq),
                decodePrompt: decodePrompt, decodeTokens: decoded,
                prefillSeconds: prefillSeconds.min()!, decodeSeconds: decodeSeconds,
                decodeTokensPerSecond: Double(decoded) / decodeSeconds.min()!,
                decodeFlopsPerToken: flops.decodePerToken(context: decodePrompt + decodeTokens / 2),
                sgemmSize: sgemmSize, sgemmPeakGflops: sgemmSize > 0 ? Self.sgemmPeak(size: sgemmSize) : 0,
                decodeWeightBytesPerToken: 4 * Double(flops.matmulParameters + modelConfig.hiddenSize),
                peakRSSBytes: Self.peakResidentBytes(), batchedDecode: batched,
                rowProductKernel: ProductKernel.rowInvariantName, productKernels: productKernels)
        }
        try Output.printJSON(report)
    }

    /// getrusage's peak resident set of this process (Linux reports kilobytes).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
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
