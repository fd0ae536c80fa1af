// A PEFT LoRA adapter directory, the form `peft.PeftModel.from_pretrained` loads on top of a base
// model (and LLaMA-Factory's `adapter_name_or_path` takes):
//
//   adapter_config.json        peft_type LORA, r, lora_alpha, target_modules, ...
//   adapter_model.safetensors  base_model.model.<module>.lora_A.weight  [r, in]
//                              base_model.model.<module>.lora_B.weight  [out, r]
//
// The adapter computes y = W x + (lora_alpha / r) · B (A x). Only keys the PEFT releases of the
// last two years all accept are written (older PEFT rejects unknown keys), sorted, so an adapter
// always exports to the same bytes.

import Basics
import Foundation

/// adapter_config.json of a LoRA adapter.
public struct PEFTAdapterConfig: Sendable, Equatable {
    public var rank: Int
    public var alpha: Double
    /// Module names the adapter wraps (`down_proj`, `q_proj`, ...), kept sorted.
    public var targetModules: [String]
    public var baseModelNameOrPath: String
    public var dropout: Double

    public init(rank: Int, alpha: Double, targetModules: [String], baseModelNameOrPath: String, dropout: Double = 0) {
        self.rank = rank
        self.alpha = alpha
        self.targetModules = targetModules.sorted()
        self.baseModelNameOrPath = baseModelNameOrPath
        self.dropout = dropout
    }

    /// Every linear layer of a Qwen2 decoder layer: LoRA "on all linear layers" as in the paper.
    public static let qwen2AllLinear = ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"]

    /// The scale applied to B·A.
    public var scaling: Double { alpha / Double(rank) }

    public var document: JSONValue {
        // An integral alpha is written as an integer, as PEFT users write `lora_alpha=16`.
        let alphaValue: JSONValue = alpha.rounded() == alpha && abs(alpha) < 1e15 ? .int(Int(alpha)) : .double(alpha)
        return .object([
            "alpha_pattern": .object([:]),
            "auto_mapping": .null,
            "base_model_name_or_path": .string(baseModelNameOrPath),
            "bias": .string("none"),
            "fan_in_fan_out": .bool(false),
            "inference_mode": .bool(true),
            "init_lora_weights": .bool(true),
            "layers_pattern": .null,
            "layers_to_transform": .null,
            "lora_alpha": alphaValue,
            "lora_dropout": .double(dropout),
            "modules_to_save": .null,
            "peft_type": .string("LORA"),
            "r": .int(rank),
            "rank_pattern": .object([:]),
            "revision": .null,
            "target_modules": .array(targetModules.sorted().map { .string($0) }),
            "task_type": .string("CAUSAL_LM"),
            "use_dora": .bool(false),
            "use_rslora": .bool(false),
        ])
    }

    /// Reads adapter_config.json, refusing settings that change the adapter's arithmetic in ways
    /// the engine does not implement (DoRA, rsLoRA, per-module ranks, fan-in-fan-out, biases).
    public init(document: JSONValue, file: String = "adapter_config.json") throws(CheckpointError) {
        guard case .object = document else { throw .invalidField(file: file, field: "$", detail: "expected an object") }
        guard document["peft_type"]?.stringValue == "LORA" else {
            throw .invalidField(file: file, field: "peft_type", detail: "expected \"LORA\"")
        }
        guard let rank = document["r"]?.wholeNumberValue, rank > 0 else {
            throw .invalidField(file: file, field: "r", detail: "missing or not a positive integer")
        }
        guard let alpha = document["lora_alpha"]?.doubleValue else {
            throw .invalidField(file: file, field: "lora_alpha", detail: "missing or not a number")
        }
        let modules: [String]
        switch document["target_modules"] {
        case .array(let items)?:
            var names: [String] = []
            for item in items {
                guard let name = item.stringValue else { throw .invalidField(file: file, field: "target_modules", detail: "non-string entry") }
                names.append(name)
            }
            modules = names
        case .string(let single)?: modules = [single]
        default: throw .invalidField(file: file, field: "target_modules", detail: "missing or not a list of module names")
        }
        for flag in ["use_dora", "use_rslora", "fan_in_fan_out"] where document[flag]?.boolValue == true {
            throw .invalidField(file: file, field: flag, detail: "true is not supported")
        }
        if let bias = document["bias"]?.stringValue, bias != "none" {
            throw .invalidField(file: file, field: "bias", detail: "\"\(bias)\" is not supported (only \"none\")")
        }
        for pattern in ["rank_pattern", "alpha_pattern"] {
            if let map = document[pattern]?.objectValue, !map.isEmpty {
                throw .invalidField(file: file, field: pattern, detail: "per-module ranks or alphas are not supported")
            }
        }
        self.init(rank: rank, alpha: alpha, targetModules: modules,
                  baseModelNameOrPath: document["base_model_name_or_path"]?.stringValue ?? "",
                  dropout: document["lora_dropout"]?.doubleValue ?? 0)
    }
}

/// The contents of a PEFT LoRA adapter directory.
public struct PEFTAdapterDirectory: Sendable {
    public var config: PEFTAdapterConfig
    /// `base_model.model.<module>.lora_A.weight` / `.lora_B.weight` tensors.
    public var tensors: [NamedTensor]

    public init(config: PEFTAdapterConfig, tensors: [NamedTensor]) {
        self.config = config
        self.tensors = tensors
    }

    public static let prefix = "base_model.model."

    /// The adapter tensor name for a base-model module (`model.layers.0.self_attn.q_proj`).
    public static func tensorName(module: String, matrix: LoRAMatrix) -> String {
        "\(prefix)\(module).\(matrix.rawValue).weight"
    }

    /// Which of a LoRA pair a tensor is.
    public enum LoRAMatrix: String, Sendable {
        /// Down-projection `[r, in]`, Kaiming-uniform at initialisation.
        case a = "lora_A"
        /// Up-projection `[out, r]`, zero at initialisation.
        case b = "lora_B"
    }

    /// Checks names and shapes: every tensor is an A or B of a module whose last name component
    /// is a target module, each A `[r, in]` has a B `[out, r]`, nothing else is present.
    public func validate(file: String) throws(CheckpointError) {
        var pairs: [String: (a: [Int]?, b: [Int]?)] = [:]
        let targets = Set(config.targetModules)
        // Sorted, so the first problem reported does not depend on the caller's order.
        for tensor in tensors.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
            guard tensor.name.hasPrefix(PEFTAdapterDirectory.prefix), tensor.name.hasSuffix(".weight") else {
                throw .invalidTensor(file: file, tensor: tensor.name, detail: "expected base_model.model.<module>.lora_A|lora_B.weight")
            }
            let core = tensor.name.dropFirst(PEFTAdapterDirectory.prefix.count).dropLast(".weight".count)
            guard let dot = core.lastIndex(of: "."), let matrix = LoRAMatrix(rawValue: String(core[core.index(after: dot)...])) else {
                throw .invalidTensor(file: file, tensor: tensor.name, detail: "expected base_model.model.<module>.lora_A|lora_B.weight")
            }
            let module = String(core[..<dot])
            let leaf = module.split(separator: ".").last.map(String.init) ?? module
            guard targets.contains(leaf) else {
                throw .invalidTensor(file: file, tensor: tensor.name, detail: "module \"\(leaf)\" is not in target_modules \(config.targetModules.sorted())")
            }
            guard tensor.shape.count == 2 else {
                throw .invalidTensor(file: file, tensor: tensor.name, detail: "shape \(tensor.shape) is not a matrix")
            }
            var pair = pairs[module] ?? (nil, nil)
            switch matrix {
            case .a:
                guard tensor.shape[0] == config.rank else {
                    throw .invalidTensor(file: file, tensor: tensor.name, detail: "shape \(tensor.shape), expected [r=\(config.rank), in]")
                }
                pair.a = tensor.shape
            case .b:
                guard tensor.shape[1] == config.rank else {
                    throw .invalidTensor(file: file, tensor: tensor.name, detail: "shape \(tensor.shape), expected [out, r=\(config.rank)]")
                }
                pair.b = tensor.shape
            }
            pairs[module] = pair
        }
        for module in pairs.keys.sorted() {
            let pair = pairs[module]!
            if pair.a == nil { throw .missingTensors(file: file, names: [PEFTAdapterDirectory.tensorName(module: module, matrix: .a)]) }
            if pair.b == nil { throw .missingTensors(file: file, names: [PEFTAdapterDirectory.tensorName(module: module, matrix: .b)]) }
        }
    }

    /// Writes adapter_config.json and adapter_model.safetensors (directory created if needed),
    /// after `validate`.
    public func write(to directory: URL) throws(CheckpointError) {
        let weightsURL = directory.appendingPathComponent("adapter_model.safetensors")
        try validate(file: weightsURL.path)
        try CheckpointFiles.createDirectory(directory)
        try CheckpointFiles.writeJSON(config.document, to: directory.appendingPathComponent("adapter_config.json"))
        do throws(SafetensorsError) { try Safetensors.write(tensors, to: weightsURL) } catch { throw .safetensors(error) }
    }

    /// Reads and validates an adapter directory written by `write(to:)` or by PEFT's
    /// `save_pretrained`.
    public static func read(from directory: URL) throws(CheckpointError) -> PEFTAdapterDirectory {
        let configURL = directory.appendingPathComponent("adapter_config.json")
        let document = try CheckpointFiles.readJSON(configURL, directory: directory)
        let config = try PEFTAdapterConfig(document: document, file: configURL.path)
        let weightsURL = directory.appendingPathComponent("adapter_model.safetensors")
        guard CheckpointFiles.exists(weightsURL) else { throw .missingFile(directory: directory.path, file: "adapter_model.safetensors") }
        let tensors: [NamedTensor]
        do throws(SafetensorsError) { tensors = try Safetensors.read(weightsURL) } catch { throw .safetensors(error) }
        let adapter = PEFTAdapterDirectory(config: config, tensors: tensors)
        try adapter.validate(file: weightsURL.path)
        return adapter
    }
}
