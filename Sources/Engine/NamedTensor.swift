/// A named float32 tensor in row-major order, the unit in which checkpoints cross the engine's
/// boundary (safetensors files, Hugging Face and PEFT directories). Names follow Hugging Face's
/// Qwen2 state-dict names (`model.layers.0.self_attn.q_proj.weight`); linear weights are `[out, in]`.
public struct NamedTensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) values for \(name)")
        self.name = name
        self.shape = shape
        self.values = values
    }
}
