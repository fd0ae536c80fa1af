// The Hugging Face Qwen2 decoder-only transformer, written out llm.c style: all parameters in one
// flat float32 buffer with named views (DecoderParameterLayout), gradients in a buffer of the same
// layout, activations of the last forward kept in DecoderActivations for the backward. There is no
// autograd: DecoderForward.swift composes the ops' forwards and DecoderBackward.swift their backwards in
// reverse, so a reader can follow the gradient by hand.
//
// What this file holds: storage, initialisation, import/export as named tensors, LoRA attachment.

import Basics

/// A Qwen2 causal language model (the exact Hugging Face architecture), trainable in full or
/// through LoRA adapters, runnable for scoring (forward/backward) and generation (`Generator`).
///
/// Thread safety: training calls (`forward`, `backward`, gradient and optimizer updates, LoRA
/// attach/merge) mutate the model and must not overlap with anything else. Generation only reads
/// the parameters, so several `Generator`s may run on one model at once while no training call runs.
public final class DecoderModel: @unchecked Sendable {
    public let config: DecoderConfig
    let layout: DecoderParameterLayout
    let parameters: FloatBuffer
    /// Gradients of the base parameters, allocated on first use (not when only adapters train).
    var baseGradients: FloatBuffer?
    var adapters: LoRAAdapters?
    var activations: DecoderActivations?
    /// What the last training forward saw, for the backward; nil once consumed.
    var lastForward: ForwardRecord?

    /// A freshly initialised model, as Hugging Face's `_init_weights` does it: every linear and
    /// embedding weight from N(0, initializerRange²), biases 0, norm weights 1. Values are drawn in
    /// state-dict order from one xoshiro256** stream seeded with `seed`.
    public init(config: DecoderConfig, seed: UInt64, initializerRange: Float = 0.02) throws(ModelError) {
        do { try config.validate() } catch { throw .invalidConfig(error) }
        self.config = config
        layout = DecoderParameterLayout(config: config)
        parameters = FloatBuffer(count: layout.count)
        var rng = Xoshiro256StarStar(seed: seed, stream: 0x5157_454E)
        let std = Double(initializerRange)
        for entry in layout.entries {
            let p = parameters.pointer + entry.offset
            if entry.name.hasSuffix("norm.weight") {
                p.update(repeating: 1, count: entry.count)
            } else if entry.name.hasSuffix(".bias") {
                p.update(repeating: 0, count: entry.count)
            } else {
                for j in 0..<entry.count { p[j] = Float(rng.nextNormal() * std) }
            }
        }
    }

    /// A model holding exactly `tensors` (Hugging Face names and [out, in] shapes). Missing,
    /// unexpected, duplicated or mis-shaped tensors are errors naming the tensor.
    public init(config: DecoderConfig, tensors: [NamedTensor]) throws(ModelError) {
        do { try config.validate() } catch { throw .invalidConfig(error) }
        self.config = config
        layout = DecoderParameterLayout(config: config)
        var byName: [String: NamedTensor] = [:]
        for tensor in tensors {
            if byName[tensor.name] != nil { throw .duplicateTensor(name: tensor.name) }
            byName[tensor.name] = tensor
        }
        let expected = Set(layout.entries.map(\.name))
        for name in byName.keys.sorted() where !expected.contains(name) {
            throw .unexpectedTensor(name: name)
        }
        for entry in layout.entries {
            guard let tensor = byName[entry.name] else { throw .missingTensor(name: entry.name) }
            if tensor.shape != entry.shape { throw .shapeMismatch(name: entry.name, expected: entry.shape, found: tensor.shape) }
        }
        parameters = FloatBuffer(count: layout.count)
        for entry in layout.entries { parameters.write(byName[entry.name]!.values, at: entry.offset) }
    }

    private init(copying other: DecoderModel) {
        config = other.config
        layout = other.layout
        parameters = other.parameters.copy()
        if let source = other.adapters {
            let adapters = LoRAAdapters(config: source.config, modelConfig: other.config, layout: other.layout)
            adapters.parameters.pointer.update(from: source.parameters.pointer, count: source.parameters.count)
            self.adapters = adapters
        }
    }

    /// An independent copy of the parameters (and adapters, if any), e.g. a frozen reference model
    /// for full-parameter DPO. Gradients and activations are not copied.
    public func copy() -> DecoderModel { DecoderModel(copying: self) }

    /// Number of base parameters (tied output projection counted once).
    public var parameterCount: Int { layout.count }

    /// All base parameters under their Hugging Face names, in state-dict order.
    public func namedTensors() -> [NamedTensor] {
        layout.entries.map { NamedTensor(name: $0.name, shape: $0.shape, values: parameters.array($0.range)) }
    }

    // MARK: LoRA

    /// The attached adapters' config, or nil when the model trains in full.
    public var loraConfig: LoRAConfig? { adapters?.config }

    /// Attaches fresh LoRA adapters (A Kaiming-uniform from `seed`, B zero). From then on only the
    /// adapters train; the base weights are frozen. Replaces adapters already attached.
    public func attachLoRA(_ config: LoRAConfig, seed: UInt64) throws(LoRAError) {
        try config.validate()
        let adapters = LoRAAdapters(config: config, modelConfig: self.config, layout: layout)
        adapters.initialize(seed: seed)
        self.adapters = adapters
        lastForward = nil
    }

    /// Attaches adapters with the values in `tensors` (PEFT names, e.g.
    /// `base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight`).
    public func loadLoRA(_ config: LoRAConfig, tensors: [NamedTensor]) throws(LoRAError) {
        try config.validate()
        let adapters = LoRAAdapters(config: config, modelConfig: self.config, layout: layout)
        try adapters.load(tensors)
        self.adapters = adapters
        lastForward = nil
    }

    /// The adapter tensors under PEFT names: lora_A [r, in] and lora_B [out, r] per adapted layer.
    public func loraTensors() throws(LoRAError) -> [NamedTensor] {
        guard let adapters else { throw .noAdapters }
        return adapters.namedTensors()
    }

    /// Folds the adapters into the base weights, W += (alpha / r)·B·A, and detaches them.
    public func mergeLoRA() throws(LoRAError) {
        guard let adapters else { throw .noAdapters }
        let r = adapters.config.rank
        for module in adapters.modules {
            sgemm(.none, .none, m: module.outFeatures, n: module.inFeatures, k: r,
                  alpha: adapters.config.scaling,
                  a: adapters.parameters.pointer + module.bOffset, lda: r,
                  b: adapters.parameters.pointer + module.aOffset, ldb: module.inFeatures,
                  beta: 1, c: parameters.pointer + module.baseWeightOffset, ldc: module.inFeatures)
        }
        self.adapters = nil
        lastForward = nil
    }

    /// Removes the adapters without merging them; the base model trains in full again.
    public func detachLoRA() {
        adapters = nil
        lastForward = nil
    }
}
