// The trainable parameters and their gradients as the optimizer sees them: the base parameters when
// the model trains in full, the adapter parameters when LoRA is attached. Gradient accumulation is
// "sum, then scale": every backward adds into the gradient buffer; after k micro-batches the caller
// scales by 1/k (or folds 1/k into the token weights) before clipping and stepping.

/// The flat trainable parameters of a model, their gradients, and their named views.
struct TrainableStorage {
    var parameters: FloatBuffer
    var gradients: FloatBuffer
    var entries: [ParameterEntry]
}

extension DecoderModel {
    /// The parameters the optimizer updates: the adapters when attached, otherwise the base.
    var trainable: TrainableStorage {
        if let adapters {
            return TrainableStorage(parameters: adapters.parameters, gradients: adapters.gradients, entries: adapters.entries)
        }
        if baseGradients == nil { baseGradients = FloatBuffer(count: layout.count) }
        return TrainableStorage(parameters: parameters, gradients: baseGradients!, entries: layout.entries)
    }

    /// Number of trainable floats (adapter parameters with LoRA, all base parameters without).
    public var trainableParameterCount: Int { adapters?.parameters.count ?? layout.count }

    /// Sets the trainable parameters' gradients to zero.
    public func zeroGradients() {
        trainable.gradients.zero()
    }

    /// Multiplies every gradient by `factor` (e.g. 1/k after k accumulated micro-batches).
    public func scaleGradients(by factor: Float) {
        let g = trainable.gradients
        for i in 0..<g.count { g.pointer[i] *= factor }
    }

    /// The global L2 norm of the trainable gradients (float64 accumulation, fixed order).
    public func gradientNorm() -> Double {
        GradientClipping.globalNorm(UnsafeBufferPointer(trainable.gradients.buffer))
    }

    /// Scales the gradients so their global norm is at most `maxNorm`, as torch's
    /// clip_grad_norm_ does; returns the norm before clipping.
    @discardableResult
    public func clipGradients(maxNorm: Double) -> Double {
        GradientClipping.clip(trainable.gradients.buffer, maxNorm: maxNorm)
    }

    /// The trainable gradients under the parameters' names (Hugging Face or PEFT).
    public func gradientTensors() -> [NamedTensor] {
        let storage = trainable
        return storage.entries.map { NamedTensor(name: $0.name, shape: $0.shape, values: storage.gradients.array($0.range)) }
    }

    /// The trainable parameters under their names (Hugging Face or PEFT).
    public func trainableTensors() -> [NamedTensor] {
        let storage = trainable
        return storage.entries.map { NamedTensor(name: $0.name, shape: $0.shape, values: storage.parameters.array($0.range)) }
    }
}
