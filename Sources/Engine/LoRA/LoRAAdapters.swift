// The LoRA adapters of a model: one (A, B) pair per adapted linear layer, all in one flat parameter
// buffer with a gradient buffer of the same layout, named for export as PEFT names them.

import Basics

/// One adapted linear layer: where its A [r, in] and B [out, r] live, and where its output lands
/// inside the fused projection it belongs to.
struct LoRAModule: Sendable {
    var layer: Int
    var target: LoRATarget
    var aOffset: Int
    var bOffset: Int
    var inFeatures: Int
    var outFeatures: Int
    /// First column of this layer's output in the fused projection output (q|k|v or gate|up).
    var outputColumn: Int
    /// Row width of that fused output.
    var outputWidth: Int
    /// Offset of the base weight [out, in] in the model's parameter buffer (for merging).
    var baseWeightOffset: Int

    var aName: String { "base_model.model.model.layers.\(layer).\(target.parentModule).\(target.rawValue).lora_A.weight" }
    var bName: String { "base_model.model.model.layers.\(layer).\(target.parentModule).\(target.rawValue).lora_B.weight" }
}

/// LoRA adapter parameters and gradients for one model.
final class LoRAAdapters: @unchecked Sendable {
    let config: LoRAConfig
    /// Layer-major, targets in canonical order within a layer.
    let modules: [LoRAModule]
    /// moduleIndex[layer][target.canonicalIndex] → index into `modules`.
    let moduleIndex: [[Int?]]
    let parameters: FloatBuffer
    let gradients: FloatBuffer
    /// PEFT names in export order (per module: lora_A then lora_B).
    let entries: [ParameterEntry]

    init(config: LoRAConfig, modelConfig: DecoderConfig, layout: DecoderParameterLayout) {
        self.config = config
        let c = modelConfig.hiddenSize
        let qRows = modelConfig.numAttentionHeads * modelConfig.headDim
        let kvRows = modelConfig.numKeyValueHeads * modelConfig.headDim
        let inter = modelConfig.intermediateSize
        let qkvWidth = modelConfig.qkvWidth
        let r = config.rank
        var modules: [LoRAModule] = []
        var moduleIndex: [[Int?]] = []
        var entries: [ParameterEntry] = []
        var cursor = 0
        for (i, offsets) in layout.layers.enumerated() {
            var row = [Int?](repeating: nil, count: LoRATarget.allCases.count)
            for target in config.targetModules {
                let (inFeatures, outFeatures, column, width, base): (Int, Int, Int, Int, Int)
                switch target {
                case .qProj: (inFeatures, outFeatures, column, width, base) = (c, qRows, 0, qkvWidth, offsets.qkvWeight)
                case .kProj: (inFeatures, outFeatures, column, width, base) = (c, kvRows, qRows, qkvWidth, offsets.qkvWeight + qRows * c)
                case .vProj: (inFeatures, outFeatures, column, width, base) = (c, kvRows, qRows + kvRows, qkvWidth, offsets.qkvWeight + (qRows + kvRows) * c)
                case .oProj: (inFeatures, outFeatures, column, width, base) = (qRows, c, 0, c, offsets.oWeight)
                case .gateProj: (inFeatures, outFeatures, column, width, base) = (c, inter, 0, 2 * inter, offsets.gateUpWeight)
                case .upProj: (inFeatures, outFeatures, column, width, base) = (c, inter, inter, 2 * inter, offsets.gateUpWeight + inter * c)
                case .downProj: (inFeatures, outFeatures, column, width, base) = (inter, c, 0, c, offsets.downWeight)
                }
                let module = LoRAModule(
                    layer: i, target: target,
                    aOffset: cursor, bOffset: cursor + r * inFeatures,
                    inFeatures: inFeatures, outFeatures: outFeatures,
                    outputColumn: column, outputWidth: width, baseWeightOffset: base)
                cursor += r * inFeatures + outFeatures * r
                row[target.canonicalIndex] = modules.count
                modules.append(module)
                entries.append(ParameterEntry(name: module.aName, shape: [r, inFeatures], offset: module.aOffset, decays: true))
                entries.append(ParameterEntry(name: module.bName, shape: [outFeatures, r], offset: module.bOffset, decays: true))
            }
            moduleIndex.append(row)
        }
        self.modules = modules
        self.moduleIndex = moduleIndex
        self.entries = entries
        parameters = FloatBuffer(count: cursor)
        gradients = FloatBuffer(count: cursor)
    }

    /// PEFT's initialisation: A from kaiming_uniform_(a = √5), i.e. U(−1/√in, 1/√in); B zero.
    /// Modules are initialised in layer-major, canonical-target order from one seeded stream.
    func initialize(seed: UInt64) {
        var rng = Xoshiro256StarStar(seed: seed, stream: 0x4C6F_5241)
        parameters.zero()
        for module in modules {
            let bound = 1 / Double(module.inFeatures).squareRoot()
            let a = parameters.pointer + module.aOffset
            for j in 0..<(config.rank * module.inFeatures) {
                a[j] = Float(-bound + 2 * bound * rng.nextDouble())
            }
        }
    }

    func module(layer: Int, target: LoRATarget) -> LoRAModule? {
        moduleIndex[layer][target.canonicalIndex].map { modules[$0] }
    }

    func namedTensors() -> [NamedTensor] {
        entries.map { NamedTensor(name: $0.name, shape: $0.shape, values: parameters.array($0.range)) }
    }

    func gradientTensors() -> [NamedTensor] {
        entries.map { NamedTensor(name: $0.name, shape: $0.shape, values: gradients.array($0.range)) }
    }

    /// Replaces every adapter value from `tensors`, which must name exactly this adapter's tensors.
    func load(_ tensors: [NamedTensor]) throws(LoRAError) {
        var byName: [String: NamedTensor] = [:]
        for tensor in tensors {
            if byName[tensor.name] != nil { throw .duplicateTensor(name: tensor.name) }
            byName[tensor.name] = tensor
        }
        let expected = Set(entries.map(\.name))
        for name in byName.keys.sorted() where !expected.contains(name) {
            throw .unexpectedTensor(name: name)
        }
        for entry in entries {
            guard let tensor = byName[entry.name] else { throw .missingTensor(name: entry.name) }
            if tensor.shape != entry.shape { throw .shapeMismatch(name: entry.name, expected: entry.shape, found: tensor.shape) }
        }
        for entry in entries { parameters.write(byName[entry.name]!.values, at: entry.offset) }
    }
}
