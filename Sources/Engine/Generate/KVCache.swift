// Keys and values of the tokens seen so far in one generated sequence, per layer, so each new token
// costs one row through the network plus attention over the cache. Keys are stored after the
// rotary embedding, so they are never rotated again.

/// Per-layer key and value rows [capacity, kvHeads·d] for one sequence.
final class KVCache {
    let layers: Int
    let width: Int
    private(set) var capacity: Int
    private(set) var keyStorage: FloatBuffer    // [L, capacity, width]
    private(set) var valueStorage: FloatBuffer  // [L, capacity, width]

    init(config: DecoderConfig, capacity: Int) {
        layers = config.numHiddenLayers
        width = config.numKeyValueHeads * config.headDim
        self.capacity = capacity
        keyStorage = FloatBuffer(count: layers * capacity * width)
        valueStorage = FloatBuffer(count: layers * capacity * width)
    }

    func keys(layer: Int) -> UnsafeMutablePointer<Float> { keyStorage.pointer + layer * capacity * width }
    func values(layer: Int) -> UnsafeMutablePointer<Float> { valueStorage.pointer + layer * capacity * width }

    /// Grows to hold at least `needed` positions, keeping the first `used` of every layer.
    func reserve(_ needed: Int, keeping used: Int) {
        if needed <= capacity { return }
        let newCapacity = max(needed, capacity * 2)
        let newKeys = FloatBuffer(count: layers * newCapacity * width)
        let newValues = FloatBuffer(count: layers * newCapacity * width)
        for l in 0..<layers {
            (newKeys.pointer + l * newCapacity * width).update(from: keys(layer: l), count: used * width)
            (newValues.pointer + l * newCapacity * width).update(from: values(layer: l), count: used * width)
        }
        keyStorage = newKeys
        valueStorage = newValues
        capacity = newCapacity
    }
}
