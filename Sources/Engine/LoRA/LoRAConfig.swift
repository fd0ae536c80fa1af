// LoRA hyper-parameters, named and encoded as PEFT's adapter_config.json names them (r, lora_alpha,
// target_modules), so the config round-trips with PEFT.

/// A linear layer of a Qwen2 decoder layer that LoRA can adapt, by its PEFT module name.
public enum LoRATarget: String, Codable, Sendable, CaseIterable, Comparable {
    case qProj = "q_proj"
    case kProj = "k_proj"
    case vProj = "v_proj"
    case oProj = "o_proj"
    case gateProj = "gate_proj"
    case upProj = "up_proj"
    case downProj = "down_proj"

    /// Position in the canonical order above (the order adapters are created, initialised and
    /// exported in).
    var canonicalIndex: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: LoRATarget, rhs: LoRATarget) -> Bool { lhs.canonicalIndex < rhs.canonicalIndex }

    /// The submodule of the decoder layer holding this linear layer, as in the state-dict name.
    var parentModule: String {
        switch self {
        case .qProj, .kProj, .vProj, .oProj: return "self_attn"
        case .gateProj, .upProj, .downProj: return "mlp"
        }
    }
}

/// LoRA settings: y = W x + (alpha / r) · B (A x) on the chosen linear layers of every decoder layer.
public struct LoRAConfig: Codable, Sendable, Equatable, Hashable {
    public var rank: Int
    public var alpha: Float
    /// Adapted layers, unique and in canonical order (q, k, v, o, gate, up, down).
    public var targetModules: [LoRATarget]

    /// A config on `targetModules` (default: all seven linear layers, as the IOPO release used).
    public init(rank: Int, alpha: Float, targetModules: [LoRATarget] = LoRATarget.allCases) {
        self.rank = rank
        self.alpha = alpha
        self.targetModules = Array(Set(targetModules)).sorted()
    }

    /// The factor applied to B(Ax).
    public var scaling: Float { alpha / Float(rank) }

    enum CodingKeys: String, CodingKey {
        case rank = "r"
        case alpha = "lora_alpha"
        case targetModules = "target_modules"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rank = try container.decode(Int.self, forKey: .rank)
        let alpha = try container.decode(Float.self, forKey: .alpha)
        let targets = try container.decode([LoRATarget].self, forKey: .targetModules)
        self.init(rank: rank, alpha: alpha, targetModules: targets)
    }

    public func validate() throws(LoRAError) {
        if rank <= 0 { throw .invalidConfig(field: "r", reason: "must be positive, got \(rank)") }
        if !(alpha.isFinite) { throw .invalidConfig(field: "lora_alpha", reason: "must be finite, got \(alpha)") }
        if targetModules.isEmpty { throw .invalidConfig(field: "target_modules", reason: "must name at least one module") }
    }
}

/// What went wrong attaching, loading or exporting LoRA adapters; cases name the field or tensor.
public enum LoRAError: Error, Equatable, CustomStringConvertible {
    case invalidConfig(field: String, reason: String)
    case missingTensor(name: String)
    case unexpectedTensor(name: String)
    case duplicateTensor(name: String)
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    case noAdapters

    public var description: String {
        switch self {
        case let .invalidConfig(field, reason): return "LoRA config field \(field) \(reason)"
        case let .missingTensor(name): return "LoRA tensor \(name) is missing"
        case let .unexpectedTensor(name): return "LoRA tensor \(name) does not belong to this adapter"
        case let .duplicateTensor(name): return "LoRA tensor \(name) is given more than once"
        case let .shapeMismatch(name, expected, found): return "LoRA tensor \(name) has shape \(found), expected \(expected)"
        case .noAdapters: return "the model has no LoRA adapters attached"
        }
    }
}
