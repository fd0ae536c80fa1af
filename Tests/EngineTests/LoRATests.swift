// LoRA adapters: PEFT initialisation and names, frozen base, the adapters-off switch, merging, and
// export/import.

import Foundation
import Testing
@testable import Engine

@Suite("LoRA")
struct LoRATests {
    /// A model with adapters whose B is non-zero, so the adapters change the output.
    func adaptedModel(targets: [LoRATarget] = LoRATarget.allCases) throws -> DecoderModel {
        let model = try DecoderModel(config: tinyConfig(), seed: 21, initializerRange: 0.2)
        try model.attachLoRA(LoRAConfig(rank: 4, alpha: 8, targetModules: targets), seed: 22)
        let adapters = model.adapters!
        for module in adapters.modules {
            adapters.parameters.write(randomValues(module.outFeatures * 4, seed: UInt64(module.bOffset), scale: 0.3), at: module.bOffset)
        }
        return model
    }

    @Test("initialisation: A Kaiming-uniform within ±1/sqrt(in), B zero; fresh adapters leave the output unchanged")
    func initialisation() throws {
        let model = try DecoderModel(config: tinyConfig(), seed: 1, initializerRange: 0.2)
        let batch = try tinyBatch()
        let before = try model.forward(batch)
        try model.attachLoRA(LoRAConfig(rank: 4, alpha: 8), seed: 2)
        for tensor in try model.loraTensors() {
            if tensor.name.hasSuffix("lora_B.weight") {
                #expect(tensor.values.allSatisfy { $0 == 0 })
            } else {
                let bound = 1 / Float(tensor.shape[1]).squareRoot()
                #expect(tensor.values.allSatisfy { abs($0) <= bound })
                // Uniform on ±bound: the largest magnitude of 64+ draws lies near the bound.
                #expect(tensor.values.map(abs).max()! > 0.8 * bound, "\(tensor.name)")
            }
        }
        let after = try model.forward(batch)
        #expect(after.tokenLogProbs == before.tokenLogProbs)
        // Same seed, same adapters.
        let other = try DecoderModel(config: tinyConfig(), seed: 1, initializerRange: 0.2)
        try other.attachLoRA(LoRAConfig(rank: 4, alpha: 8), seed: 2)
        #expect(try other.loraTensors() == model.loraTensors())
    }

    @Test("PEFT names and shapes, subset of modules, config keys")
    func names() throws {
        let model = try adaptedModel(targets: [.upProj, .qProj, .qProj])
        #expect(model.loraConfig?.targetModules == [.qProj, .upProj])
        let tensors = try model.loraTensors()
        #expect(tensors.map(\.name) == [
            "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
            "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
            "base_model.model.model.layers.0.mlp.up_proj.lora_A.weight",
            "base_model.model.model.layers.0.mlp.up_proj.lora_B.weight",
            "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight",
            "base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight",
            "base_model.model.model.layers.1.mlp.up_proj.lora_A.weight",
            "base_model.model.model.layers.1.mlp.up_proj.lora_B.weight",
        ])
        #expect(tensors[0].shape == [4, 16] && tensors[1].shape == [16, 4])
        #expect(tensors[2].shape == [4, 16] && tensors[3].shape == [24, 4])
        let all = try DecoderModel(config: tinyConfig(), seed: 1)
        try all.attachLoRA(LoRAConfig(rank: 2, alpha: 4), seed: 1)
        let shapes = Dictionary(uniqueKeysWithValues: try all.loraTensors().map { ($0.name, $0.shape) })
        #expect(shapes["base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight"] == [8, 2])
        #expect(shapes["base_model.model.model.layers.1.self_attn.o_proj.lora_A.weight"] == [2, 16])
        #expect(shapes["base_model.model.model.layers.1.mlp.down_proj.lora_A.weight"] == [2, 24])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(LoRAConfig(rank: 8, alpha: 16, targetModules: [.vProj, .qProj])), as: UTF8.self)
        #expect(json == #"{"lora_alpha":16,"r":8,"target_modules":["q_proj","v_proj"]}"#)
        #expect(throws: LoRAError.invalidConfig(field: "r", reason: "must be positive, got 0")) {
            try all.attachLoRA(LoRAConfig(rank: 0, alpha: 1), seed: 1)
        }
    }

    @Test("base frozen: only adapter gradients; adapters-off forward equals the base model")
    func frozenBaseAndSwitch() throws {
        let model = try adaptedModel()
        let base = try DecoderModel(config: tinyConfig(), seed: 21, initializerRange: 0.2)
        let batch = try tinyBatch()
        let weightsBefore = model.namedTensors()
        let on = try model.forward(batch)
        try model.backward(tokenWeights: batch.meanLossWeights())
        #expect(model.baseGradients == nil)
        #expect(model.gradientTensors().allSatisfy { $0.name.hasPrefix("base_model.model.") })
        #expect(model.gradientTensors().contains { $0.values.contains { $0 != 0 } })
        let optimizer = AdamW(model: model)
        #expect(optimizer.parameterCount == model.trainableParameterCount)
        try optimizer.step(model, learningRate: 1e-2)
        #expect(model.namedTensors() == weightsBefore, "an optimizer step leaves the base weights untouched")

        let off = try model.forward(batch, useAdapters: false)
        let reference = try base.forward(batch)
        #expect(off.tokenLogProbs == reference.tokenLogProbs)
        #expect(on.tokenLogProbs != off.tokenLogProbs)
        // Backward after an adapters-off forward has nothing to train.
        #expect(throws: ModelError.noForwardToDifferentiate(reason: "the forward ran with adapters off; only the adapters are trainable")) {
            try model.backward(tokenWeights: batch.meanLossWeights())
        }
        // A generator with adapters off also runs the base model.
        let prompt: [Int32] = [1, 2, 3, 4]
        let offLogits = try Generator(model: model, useAdapters: false).feed(prompt)
        let baseLogits = try Generator(model: base).feed(prompt)
        #expect(offLogits == baseLogits)
    }

    @Test("merge folds (alpha/r)·B·A into the base weights")
    func merge() throws {
        let model = try adaptedModel(targets: [.kProj, .oProj, .gateProj, .downProj])
        let batch = try tinyBatch()
        let adapted = try model.forward(batch)
        try model.mergeLoRA()
        #expect(model.loraConfig == nil)
        let merged = try model.forward(batch)
        let worst = zip(adapted.tokenLogProbs, merged.tokenLogProbs).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5, "merged vs adapted: \(worst)")
        #expect(throws: LoRAError.noAdapters) { try model.mergeLoRA() }
    }

    @Test("export and load round-trip; load rejects foreign tensors")
    func loadRoundTrip() throws {
        let model = try adaptedModel(targets: [.vProj, .upProj])
        let tensors = try model.loraTensors()
        let config = model.loraConfig!
        let fresh = try DecoderModel(config: tinyConfig(), seed: 21, initializerRange: 0.2)
        try fresh.loadLoRA(config, tensors: tensors)
        let batch = try tinyBatch()
        #expect(try fresh.forward(batch).tokenLogProbs == model.forward(batch).tokenLogProbs)
        #expect(throws: LoRAError.missingTensor(name: tensors[3].name)) {
            try fresh.loadLoRA(config, tensors: tensors.filter { $0.name != tensors[3].name })
        }
        let foreign = NamedTensor(name: "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", shape: [4, 16], values: [Float](repeating: 0, count: 64))
        #expect(throws: LoRAError.unexpectedTensor(name: foreign.name)) { try fresh.loadLoRA(config, tensors: tensors + [foreign]) }
        var wrong = tensors
        wrong[0] = NamedTensor(name: wrong[0].name, shape: [16, 4], values: wrong[0].values)
        #expect(throws: LoRAError.shapeMismatch(name: wrong[0].name, expected: [4, 16], found: [16, 4])) { try fresh.loadLoRA(config, tensors: wrong) }
    }
}
