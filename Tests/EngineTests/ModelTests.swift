// The model's structure and forward: Hugging Face config decoding and validation, state-dict names,
// import errors, a float64 reference implementation of Qwen2 written from Hugging Face's definition,
// padding invariance, and misuse of the forward/backward API.

import Foundation
import Testing
@testable import Engine

/// Qwen2 forward for one sequence in float64, straight from the Hugging Face definition, using only
/// the exported named tensors: logits [T, V].
func referenceLogits(config: DecoderConfig, tensors: [NamedTensor], tokens: [Int32]) -> [[Double]] {
    var w: [String: [Double]] = [:]
    for t in tensors { w[t.name] = t.values.map(Double.init) }
    let c = config.hiddenSize, d = config.headDim, heads = config.numAttentionHeads, kv = config.numKeyValueHeads
    let inter = config.intermediateSize, vocab = config.vocabSize
    func linear(_ x: [Double], _ name: String, out: Int, bias: String? = nil) -> [Double] {
        let weight = w[name]!
        let inFeatures = x.count
        return (0..<out).map { o in
            var s = bias.map { w[$0]![o] } ?? 0
            for i in 0..<inFeatures { s += weight[o * inFeatures + i] * x[i] }
            return s
        }
    }
    func rmsNorm(_ x: [Double], _ name: String) -> [Double] {
        let meanSquare = x.reduce(0) { $0 + $1 * $1 } / Double(x.count)
        let r = 1 / (meanSquare + Double(config.rmsNormEps)).squareRoot()
        return x.enumerated().map { $1 * r * w[name]![$0] }
    }
    func rope(_ x: [Double], position: Int) -> [Double] {
        // rotate_half: out = x·cos + cat(−x2, x1)·sin with cos/sin repeated over both halves.
        let half = d / 2
        var y = x
        for i in 0..<half {
            let angle = Double(position) * pow(Double(config.ropeTheta), -Double(2 * i) / Double(d))
            y[i] = x[i] * cos(angle) - x[i + half] * sin(angle)
            y[i + half] = x[i + half] * cos(angle) + x[i] * sin(angle)
        }
        return y
    }
    let embedding = w["model.embed_tokens.weight"]!
    var hidden = tokens.map { token in Array(embedding[(Int(token) * c)..<(Int(token) * c + c)]) }
    let T = tokens.count
    for l in 0..<config.numHiddenLayers {
        let p = "model.layers.\(l)."
        let normed = hidden.map { rmsNorm($0, p + "input_layernorm.weight") }
        var q = normed.map { linear($0, p + "self_attn.q_proj.weight", out: heads * d, bias: p + "self_attn.q_proj.bias") }
        var k = normed.map { linear($0, p + "self_attn.k_proj.weight", out: kv * d, bias: p + "self_attn.k_proj.bias") }
        let v = normed.map { linear($0, p + "self_attn.v_proj.weight", out: kv * d, bias: p + "self_attn.v_proj.bias") }
        for t in 0..<T {
            for h in 0..<heads { q[t].replaceSubrange((h * d)..<(h * d + d), with: rope(Array(q[t][(h * d)..<(h * d + d)]), position: t)) }
            for h in 0..<kv { k[t].replaceSubrange((h * d)..<(h * d + d), with: rope(Array(k[t][(h * d)..<(h * d + d)]), position: t)) }
        }
        var attention = [[Double]](repeating: [Double](repeating: 0, count: heads * d), count: T)
        for h in 0..<heads {
            let g = h / (heads / kv)  // repeat_kv
            for i in 0..<T {
                var scores = (0...i).map { j in
                    (0..<d).reduce(0.0) { $0 + q[i][h * d + $1] * k[j][g * d + $1] } / Double(d).squareRoot()
                }
                let m = scores.max()!
                scores = scores.map { exp($0 - m) }
                let z = scores.reduce(0, +)
                for j in 0...i { for e in 0..<d { attention[i][h * d + e] += scores[j] / z * v[j][g * d + e] } }
            }
        }
        for t in 0..<T {
            let o = linear(attention[t], p + "self_attn.o_proj.weight", out: c)
            for e in 0..<c { hidden[t][e] += o[e] }
            let x = rmsNorm(hidden[t], p + "post_attention_layernorm.weight")
            let gate = linear(x, p + "mlp.gate_proj.weight", out: inter)
            let up = linear(x, p + "mlp.up_proj.weight", out: inter)
            let act = (0..<inter).map { gate[$0] / (1 + exp(-gate[$0])) * up[$0] }
            let down = linear(act, p + "mlp.down_proj.weight", out: c)
            for e in 0..<c { hidden[t][e] += down[e] }
        }
    }
    let head = config.tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight"
    return hidden.map { linear(rmsNorm($0, "model.norm.weight"), head, out: vocab) }
}

@Suite("Qwen2 model")
struct ModelTests {
    @Test("config decodes Hugging Face config.json with defaults and ignores unknown keys")
    func configDecoding() throws {
        let json = """
        {"architectures": ["Qwen2ForCausalLM"], "hidden_size": 896, "intermediate_size": 4864,
         "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
         "vocab_size": 151936, "max_position_embeddings": 32768, "rope_theta": 1000000.0,
         "rms_norm_eps": 1e-06, "tie_word_embeddings": true, "torch_dtype": "bfloat16"}
        """
        let config = try JSONDecoder().decode(DecoderConfig.self, from: Data(json.utf8))
        #expect(config.hiddenSize == 896 && config.numKeyValueHeads == 2 && config.tieWordEmbeddings)
        #expect(config.ropeTheta == 1_000_000 && config.headDim == 64)
        try config.validate()
        let minimal = """
        {"hidden_size": 8, "intermediate_size": 16, "num_attention_heads": 2, "num_hidden_layers": 1, "vocab_size": 10}
        """
        let defaults = try JSONDecoder().decode(DecoderConfig.self, from: Data(minimal.utf8))
        #expect(defaults.numKeyValueHeads == 2 && defaults.rmsNormEps == 1e-6 && defaults.ropeTheta == 10000)
        #expect(defaults.maxPositionEmbeddings == 32768 && !defaults.tieWordEmbeddings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let encoded = String(decoding: try encoder.encode(defaults), as: UTF8.self)
        #expect(encoded.contains("\"num_key_value_heads\":2") && encoded.contains("\"tie_word_embeddings\":false"))
        #expect(try JSONDecoder().decode(DecoderConfig.self, from: Data(encoded.utf8)) == defaults)
    }

    @Test("validate names the offending field")
    func configValidation() {
        var config = tinyConfig()
        config.numAttentionHeads = 3
        #expect(throws: DecoderConfigError.notDivisible(field: "hidden_size", value: 16, divisorField: "num_attention_heads", divisor: 3)) { try config.validate() }
        config = tinyConfig()
        config.numKeyValueHeads = 3
        #expect(throws: DecoderConfigError.notDivisible(field: "num_attention_heads", value: 4, divisorField: "num_key_value_heads", divisor: 3)) { try config.validate() }
        config = tinyConfig()
        config.numAttentionHeads = 16
        config.numKeyValueHeads = 16
        #expect(throws: DecoderConfigError.oddHeadDim(headDim: 1)) { try config.validate() }
        config = tinyConfig()
        config.vocabSize = 0
        #expect(throws: DecoderConfigError.notPositive(field: "vocab_size", value: 0)) { try config.validate() }
        config = tinyConfig()
        config.rmsNormEps = 0
        #expect(throws: DecoderConfigError.notPositive(field: "rms_norm_eps", value: 0)) { try config.validate() }
        #expect(throws: ModelError.invalidConfig(.notPositive(field: "rms_norm_eps", value: 0))) { try DecoderModel(config: config, seed: 1) }
    }

    @Test("named tensors: Hugging Face names, order, shapes and initialisation")
    func namedTensors() throws {
        for tied in [false, true] {
            let config = tinyConfig(tied: tied)
            let model = try DecoderModel(config: config, seed: 1)
            let tensors = model.namedTensors()
            var expected = ["model.embed_tokens.weight"]
            for l in 0..<2 {
                let p = "model.layers.\(l)."
                expected += ["q_proj.weight", "q_proj.bias", "k_proj.weight", "k_proj.bias", "v_proj.weight", "v_proj.bias", "o_proj.weight"].map { p + "self_attn." + $0 }
                expected += ["gate_proj.weight", "up_proj.weight", "down_proj.weight"].map { p + "mlp." + $0 }
                expected += [p + "input_layernorm.weight", p + "post_attention_layernorm.weight"]
            }
            expected.append("model.norm.weight")
            if !tied { expected.append("lm_head.weight") }
            #expect(tensors.map(\.name) == expected)
            let shapes = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.shape) })
            #expect(shapes["model.layers.0.self_attn.q_proj.weight"] == [16, 16])
            #expect(shapes["model.layers.0.self_attn.k_proj.weight"] == [8, 16])
            #expect(shapes["model.layers.0.self_attn.v_proj.bias"] == [8])
            #expect(shapes["model.layers.1.mlp.down_proj.weight"] == [16, 24])
            #expect(tensors.reduce(0) { $0 + $1.values.count } == config.parameterCount)
            #expect(model.parameterCount == config.parameterCount)
            let byName = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.values) })
            #expect(byName["model.norm.weight"]!.allSatisfy { $0 == 1 })
            #expect(byName["model.layers.1.self_attn.q_proj.bias"]!.allSatisfy { $0 == 0 })
            let embedding = byName["model.embed_tokens.weight"]!
            let std = (embedding.reduce(0.0) { $0 + Double($1 * $1) } / Double(embedding.count)).squareRoot()
            #expect(abs(std - 0.02) < 0.003, "initializer_range 0.02, measured \(std)")
        }
        // Same seed, same weights; another seed, other weights.
        let a = try DecoderModel(config: tinyConfig(), seed: 7).namedTensors()
        let b = try DecoderModel(config: tinyConfig(), seed: 7).namedTensors()
        let c = try DecoderModel(config: tinyConfig(), seed: 8).namedTensors()
        #expect(a == b && a != c)
    }

    @Test("init from tensors round-trips and rejects missing, extra, duplicate and mis-shaped tensors")
    func importErrors() throws {
        let config = tinyConfig()
        let tensors = try DecoderModel(config: config, seed: 3).namedTensors()
        let copy = try DecoderModel(config: config, tensors: tensors)
        #expect(copy.namedTensors() == tensors)
        #expect(throws: ModelError.missingTensor(name: "lm_head.weight")) {
            try DecoderModel(config: config, tensors: tensors.filter { $0.name != "lm_head.weight" })
        }
        #expect(throws: ModelError.unexpectedTensor(name: "model.rotary_emb.inv_freq")) {
            try DecoderModel(config: config, tensors: tensors + [NamedTensor(name: "model.rotary_emb.inv_freq", shape: [2], values: [1, 2])])
        }
        #expect(throws: ModelError.duplicateTensor(name: "model.norm.weight")) {
            try DecoderModel(config: config, tensors: tensors + [tensors.first { $0.name == "model.norm.weight" }!])
        }
        var bad = tensors
        let index = bad.firstIndex { $0.name == "model.layers.1.self_attn.k_proj.weight" }!
        bad[index] = NamedTensor(name: bad[index].name, shape: [16, 8], values: bad[index].values)
        #expect(throws: ModelError.shapeMismatch(name: "model.layers.1.self_attn.k_proj.weight", expected: [8, 16], found: [16, 8])) {
            try DecoderModel(config: config, tensors: bad)
        }
        // Tied: lm_head.weight is not part of the model.
        #expect(throws: ModelError.unexpectedTensor(name: "lm_head.weight")) {
            try DecoderModel(config: tinyConfig(tied: true), tensors: tensors)
        }
    }

    @Test("forward matches a float64 reference written from the Hugging Face definition", arguments: [false, true])
    func referenceForward(tied: Bool) throws {
        var config = tinyConfig(tied: tied)
        config.ropeTheta = 100  // larger angles per position, so a rotary mistake cannot hide
        let model = try DecoderModel(config: config, seed: 11, initializerRange: 0.3)
        let tokens: [Int32] = [1, 5, 12, 0, 7, 7, 3, 9, 2, 11]
        let result = try model.forward(try Batch(sequences: [tokens], promptLengths: [1]), returnLogits: true)
        let expected = referenceLogits(config: config, tensors: model.namedTensors(), tokens: tokens)
        let logits = result.logits!
        var worst = 0.0
        for t in 0..<tokens.count {
            for v in 0..<config.vocabSize { worst = max(worst, abs(Double(logits[t * config.vocabSize + v]) - expected[t][v])) }
        }
        #expect(worst < 1e-4, "max |logit − reference| = \(worst)")
        // Token log-probabilities and their per-sequence sum follow from the same logits.
        var sum = 0.0
        for t in 1..<tokens.count {
            let row = expected[t - 1]
            let m = row.max()!
            let logp = row[Int(tokens[t])] - (m + log(row.map { exp($0 - m) }.reduce(0, +)))
            #expect(abs(Double(result.tokenLogProbs[t]) - logp) < 1e-4)
            sum += logp
        }
        #expect(abs(result.perSequenceLogProb[0] - sum) < 1e-3)
        #expect(result.targetCounts == [tokens.count - 1])
    }

    @Test("a sequence scores the same alone and padded in a batch")
    func paddingInvariance() throws {
        let model = try DecoderModel(config: tinyConfig(), seed: 4, initializerRange: 0.2)
        let batch = try tinyBatch()
        let together = try model.forward(batch)
        for b in 0..<batch.batchSize {
            let length = batch.lengths[b]
            let tokens = Array(batch.tokens[(b * batch.sequenceLength)..<(b * batch.sequenceLength + length)])
            let mask = Array(batch.lossMask[(b * batch.sequenceLength)..<(b * batch.sequenceLength + length)])
            let alone = try model.forward(try Batch(sequences: [tokens], targetMasks: [mask]))
            #expect(abs(alone.perSequenceLogProb[0] - together.perSequenceLogProb[b]) < 1e-4)
            // Changing the padding tokens changes nothing.
        }
        var padded = batch.tokens
        for b in 0..<batch.batchSize { for t in batch.lengths[b]..<batch.sequenceLength { padded[b * batch.sequenceLength + t] = 12 } }
        let repadded = try model.forward(try Batch(tokens: padded, batchSize: batch.batchSize, sequenceLength: batch.sequenceLength,
                                                   lengths: batch.lengths, lossMask: batch.lossMask))
        #expect(repadded.tokenLogProbs == together.tokenLogProbs)
    }

    @Test("a batch without targets scores 0 and back-propagates nothing")
    func noTargets() throws {
        let model = try DecoderModel(config: tinyConfig(), seed: 1)
        let batch = try Batch(sequences: [[1, 2, 3], [4]], promptLengths: [3, 1])
        #expect(batch.targetCount == 0)
        let result = try model.forward(batch)
        #expect(result.loss == 0 && result.perSequenceLogProb == [0, 0] && result.targetCounts == [0, 0])
        model.zeroGradients()
        try model.backward(tokenWeights: batch.meanLossWeights())
        #expect(model.gradientNorm() == 0)
        let withLogits = try model.forward(batch, returnLogits: true)
        #expect(withLogits.logits?.count == 2 * 3 * 13)
        #expect(withLogits.logits![(3 * 13 + 13)..<(6 * 13)].allSatisfy { $0 == 0 }, "padding rows are zero")
    }

    @Test("batch validation and backward misuse are typed errors")
    func misuse() throws {
        #expect(throws: ModelError.invalidBatch(field: "lossMask[0][0]", reason: "the first token has no context and cannot be a target")) {
            try Batch(sequences: [[1, 2]], targetMasks: [[true, true]])
        }
        #expect(throws: ModelError.invalidBatch(field: "lossMask[0][2]", reason: "is a padding position (length 2)")) {
            try Batch(tokens: [1, 2, 3], batchSize: 1, sequenceLength: 3, lengths: [2], lossMask: [false, true, true])
        }
        let model = try DecoderModel(config: tinyConfig(), seed: 1)
        #expect(throws: ModelError.tokenOutOfRange(sequence: 0, position: 1, token: 13, vocabSize: 13)) {
            try model.forward(try Batch(sequences: [[1, 13]], promptLengths: [1]))
        }
        #expect(throws: ModelError.sequenceTooLong(sequence: 0, length: 65, limit: 64)) {
            try model.forward(try Batch(sequences: [[Int32](repeating: 1, count: 65)], promptLengths: [1]))
        }
        #expect(throws: ModelError.noForwardToDifferentiate(reason: "no forward since the last backward or model change")) {
            try model.backward(tokenWeights: [])
        }
        let batch = try Batch(sequences: [[1, 2, 3]], promptLengths: [2])
        _ = try model.forward(batch)
        #expect(throws: ModelError.weightsCountMismatch(expected: 3, found: 2)) { try model.backward(tokenWeights: [0, 0]) }
        #expect(throws: ModelError.invalidBatch(field: "tokenWeights[1]", reason: "is 1.0 at a position outside the loss mask")) {
            try model.backward(tokenWeights: [0, 1, 0])
        }
        try model.backward(tokenWeights: batch.meanLossWeights())
        #expect(throws: ModelError.noForwardToDifferentiate(reason: "no forward since the last backward or model change")) {
            try model.backward(tokenWeights: batch.meanLossWeights())
        }
    }
}
