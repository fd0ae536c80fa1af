import Foundation
import Trace

/// `kind = "data"`: generates the synthetic TRACE (IOPO quadruples with the SFT and DPO sets
/// made from the same quadruples, in-domain and out-of-domain evaluation sets), deterministic
/// from its own `seed` parameter, so every training seed of an experiment sees the same data.
public struct DataExecutor: StepExecutor {
    public init() {}

    public let kind = "data"
    public let summary = "Generate the synthetic TRACE: training quadruples, SFT/DPO sets, in- and out-of-domain evaluation."

    public var schema: ParameterSchema {
        let defaults = SyntheticTraceConfig()
        return ParameterSchema([
            .optional("generator", .choice(["trace-synth"]), default: .string("trace-synth"), "The data source."),
            .optional("seed", .integer, default: .integer(1), "Generator seed (independent of the run's seed)."),
            .optional("train_quadruples", .integer, default: .integer(defaults.trainQuadruples), "IOPO quadruples for training."),
            .optional("eval_in_domain", .integer, default: .integer(defaults.evalInDomain), "In-domain evaluation instructions."),
            .optional("eval_out_of_domain", .integer, default: .integer(defaults.evalOutOfDomain), "Out-of-domain evaluation instructions."),
            .optional("max_constraints", .integer, default: .integer(defaults.maxConstraints), "Most constraints per training instruction."),
            .optional("max_constraints_ood", .integer, default: .integer(defaults.maxConstraintsOutOfDomain), "Most constraints per out-of-domain instruction."),
            .optional("input_probability", .number, default: .number(defaults.inputProbability), "Share of instructions with an input."),
            .optional("shard_size", .integer, default: .integer(defaults.shardSize), "Records per JSONL shard."),
        ])
    }

    public func outputs(for params: StepParameters) throws -> [OutputDeclaration] {
        [
            OutputDeclaration("train", .directory, "IOPO quadruples, LLaMA-Factory sharegpt ranking format, with dataset_info.json"),
            OutputDeclaration("sft", .directory, "(x1, y1) and (x2, y2) of every quadruple"),
            OutputDeclaration("dpo", .directory, "(x1: y1 > y2) and (x2: y2 > y1) of every quadruple"),
            OutputDeclaration("eval", .directory, "in-domain evaluation, TRACE format with rule checks"),
            OutputDeclaration("ood", .directory, "out-of-domain evaluation, TRACE format with rule checks"),
            OutputDeclaration("manifest", .file, "counts and statistics"),
        ]
    }

    public func usesSeed(_ params: StepParameters) -> Bool { false }

    public func validate(_ params: StepParameters, inputNames: [String]) -> [ParameterProblem] {
        var problems: [ParameterProblem] = []
        for name in ["train_quadruples", "eval_in_domain", "eval_out_of_domain", "shard_size"] {
            if let value = params[name]?.intValue, value < 1 {
                problems.append(ParameterProblem(path: SpecPath(keys: [name]), message: "\(name) must be at least 1"))
            }
        }
        if let value = params["max_constraints"]?.intValue, !(1...15).contains(value) {
            problems.append(ParameterProblem(path: SpecPath(keys: ["max_constraints"]), message: "max_constraints must be between 1 and 15"))
        }
        return problems
    }

    static func config(_ params: StepParameters) throws -> SyntheticTraceConfig {
        var config = SyntheticTraceConfig()
        config.seed = UInt64(try params.int("seed"))
        config.trainQuadruples = try params.int("train_quadruples")
        config.evalInDomain = try params.int("eval_in_domain")
        config.evalOutOfDomain = try params.int("eval_out_of_domain")
        config.maxConstraints = try params.int("max_constraints")
        config.maxConstraintsOutOfDomain = try params.int("max_constraints_ood")
        config.inputProbability = try params.double("input_probability")
        config.shardSize = try params.int("shard_size")
        return config
    }

    public func execute(_ context: StepContext) throws -> StepResult {
        let config = try DataExecutor.config(context.params)
        context.progress.log("generating \(config.trainQuadruples) quadruples, \(config.evalInDomain) + \(config.evalOutOfDomain) evaluation instructions")
        let dataset: SyntheticDataset
        do { dataset = try SyntheticTrace.generate(config) } catch { throw StepFailure.message("\(error)") }
        let staging = context.workDirectory.appendingPathComponent("dataset")
        let manifest: SyntheticManifest
        do { manifest = try dataset.write(to: staging) } catch { throw StepFailure.message("\(error)") }
        let fm = FileManager.default
        for split in ["train", "sft", "dpo"] {
            try fm.moveItem(at: staging.appendingPathComponent(split), to: context.outputURL(split))
        }
        try fm.moveItem(at: staging.appendingPathComponent("dataset_info.json"), to: context.outputURL("train").appendingPathComponent("dataset_info.json"))
        for (output, prefix) in [("eval", "in-domain"), ("ood", "out-of-domain")] {
            try fm.createDirectory(at: context.outputURL(output), withIntermediateDirectories: true)
            for name in try fm.contentsOfDirectory(atPath: staging.appendingPathComponent("eval").path).sorted() where name.hasPrefix(prefix + "-") {
                try fm.moveItem(at: staging.appendingPathComponent("eval").appendingPathComponent(name), to: context.outputURL(output).appendingPathComponent(name))
            }
        }
        try fm.moveItem(at: staging.appendingPathComponent("manifest.json"), to: context.outputURL("manifest"))
        context.metrics.record("train_quadruples", Double(manifest.counts.trainQuadruples))
        context.metrics.record("eval_in_domain", Double(manifest.counts.evalInDomain))
        context.metrics.record("eval_out_of_domain", Double(manifest.counts.evalOutOfDomain))
        return StepResult()
    }
}
