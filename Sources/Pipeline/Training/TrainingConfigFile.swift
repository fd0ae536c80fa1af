import Engine
import Foundation
import TOMLKit

/// The hyper-parameters of one `iopo-exp train` run, read from a TOML file whose keys are the
/// `train` step's keys (TrainingConfig's names):
///
///     objective = "iopo"          # optional: the --objective flag wins
///     learning_rate = 5e-6
///     epochs = 3
///     batch_size = 8
///     beta = 0.1
///     lora = { rank = 8, alpha = 16 }     # or a [lora] table; absent: full fine-tune
///     [model]                             # only to train from scratch (Hugging Face Qwen2 names)
///     hidden_size = 256
///
/// Unknown keys, wrong types and impossible values are errors that name the file, line, column
/// and key, with the nearest valid key for a misspelling. Absent keys keep TrainingConfig's
/// defaults, except `micro_batch_size`, which defaults to `batch_size`.
public struct TrainingConfigFile: Sendable, Equatable {
    /// `objective`, when the file names one.
    public var objective: TrainingObjective?
    /// Every hyper-parameter, defaults filled in (objective: the file's, or `sft` as a placeholder).
    public var config: TrainingConfig
    /// Whether the file set `micro_batch_size` (otherwise it follows `batch_size`).
    public var microBatchSizeGiven: Bool
    /// `[model]`: the architecture of a model trained from scratch.
    public var model: DecoderConfig?
    public var systemPrompt: String
    /// Use only the first N examples of the data.
    public var maxExamples: Int?

    public static let keys = ["objective", "learning_rate", "epochs", "warmup_ratio", "batch_size", "micro_batch_size",
                              "max_grad_norm", "weight_decay", "seed", "cutoff_length", "truncation", "beta",
                              "label_smoothing", "pref_ftx", "checkpoint_every", "lora", "model", "system_prompt",
                              "max_examples"]
    public static let loraKeys = ["rank", "alpha", "target_modules"]
    public static let modelKeys = ["hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                                   "intermediate_size", "vocab_size", "max_position_embeddings", "rms_norm_eps",
                                   "rope_theta", "tie_word_embeddings"]

    /// The defaults: what an empty file gives.
    public init() {
        objective = nil
        config = TrainingConfig(objective: .sft)
        microBatchSizeGiven = false
        model = nil
        systemPrompt = ChatTemplate.defaultSystemPrompt
        maxExamples = nil
    }

    /// Reads and validates `url`.
    public static func load(_ url: URL) throws(ConfigFileError) -> TrainingConfigFile {
        let text = try ConfigDocument.training.readText(url.path)
        return try parse(text: text, file: url.path)
    }

    /// Parses and validates TOML text; every problem is reported at once, in file order.
    public static func parse(text: String, file: String) throws(ConfigFileError) -> TrainingConfigFile {
        let table = try ConfigDocument.training.parseTOML(text, file: file)
        var reader = Reader(file: file, positions: SourcePositionIndex(text: text))
        let document = reader.convert(table, at: .root)
        let result = reader.read(document)
        if !reader.diagnostics.isEmpty {
            throw ConfigDocument.training.invalid(reader.diagnostics)
        }
        return result
    }

    /// Collects problems while reading the document.
    private struct Reader {
        let file: String
        let positions: SourcePositionIndex
        var diagnostics: [ConfigDiagnostic] = []

        mutating func report(_ path: SpecPath, _ message: String, hint: String? = nil, atKey: Bool = false) {
            var field = ""
            for component in path.components {
                switch component {
                case .key(let key): field += (field.isEmpty ? "" : ".") + key
                case .index(let index): field += "[\(index)]"
                }
            }
            diagnostics.append(ConfigDiagnostic(file: file, position: positions.position(of: path, preferValue: !atKey),
                                                    field: field, message: message, hint: hint))
        }

        /// "an integer", "a string".
        func article(_ typeName: String) -> String { ("aeiou".contains(typeName.first ?? "x") ? "an " : "a ") + typeName }

        mutating func convert(_ table: TOMLTable, at path: SpecPath) -> [String: SpecValue] {
            TOMLConversion.table(table, at: path) { report($0, "dates and times are not supported here") }
        }

        mutating func unknownKeys(_ table: [String: SpecValue], at path: SpecPath, valid: [String], what: String) {
            for key in table.keys.sorted() where !valid.contains(key) {
                report(path.appending(key), "unknown \(what) \"\(key)\"", hint: NearestName.hint(for: key, among: valid, what: what), atKey: true)
            }
        }

        mutating func number(_ table: [String: SpecValue], _ key: String, at path: SpecPath, _ valid: (Double) -> Bool = { _ in true },
                             _ requirement: String = "") -> Double? {
            guard let value = table[key] else { return nil }
            guard let number = value.doubleValue else {
                report(path.appending(key), "must be a number, got \(article(value.typeName))")
                return nil
            }
            guard number.isFinite, valid(number) else {
                report(path.appending(key), "\(requirement.isEmpty ? "must be finite" : requirement), got \(value.displayText)")
                return nil
            }
            return number
        }

        mutating func integer(_ table: [String: SpecValue], _ key: String, at path: SpecPath, minimum: Int) -> Int? {
            guard let value = table[key] else { return nil }
            guard let integer = value.intValue else {
                report(path.appending(key), "must be an integer, got \(article(value.typeName))")
                return nil
            }
            guard integer >= minimum else {
                report(path.appending(key), "must be at least \(minimum), got \(integer)")
                return nil
            }
            return integer
        }

        mutating func string(_ table: [String: SpecValue], _ key: String, at path: SpecPath, choices: [String]? = nil) -> String? {
            guard let value = table[key] else { return nil }
            guard let string = value.stringValue else {
                report(path.appending(key), "must be a string, got \(article(value.typeName))")
                return nil
            }
            if let choices, !choices.contains(string) {
                report(path.appending(key), "\"\(string)\" is not one of \(choices.joined(separator: ", "))",
                       hint: NearestName.suggestion(for: string, among: choices).map { "did you mean \"\($0)\"?" })
                return nil
            }
            return string
        }

        mutating func read(_ document: [String: SpecValue]) -> TrainingConfigFile {
            let root = SpecPath.root
            unknownKeys(document, at: root, valid: TrainingConfigFile.keys, what: "key")
            var result = TrainingConfigFile()
            if let name = string(document, "objective", at: root, choices: TrainingObjective.allCases.map(\.rawValue)) {
                result.objective = TrainingObjective(rawValue: name)
                result.config.objective = result.objective!
            }
            var c = result.config
            if let v = number(document, "learning_rate", at: root, { $0 > 0 }, "must be positive") { c.learningRate = v }
            if let v = integer(document, "epochs", at: root, minimum: 1) { c.epochs = v }
            if let v = number(document, "warmup_ratio", at: root, { (0..<1).contains($0) }, "must be in [0, 1)") { c.warmupRatio = v }
            if let v = integer(document, "batch_size", at: root, minimum: 1) { c.batchSize = v }
            if let v = integer(document, "micro_batch_size", at: root, minimum: 1) {
                c.microBatchSize = v
                result.microBatchSizeGiven = true
            } else {
                c.microBatchSize = c.batchSize
            }
            if let v = number(document, "max_grad_norm", at: root, { $0 > 0 }, "must be positive") { c.maxGradNorm = v }
            if let v = number(document, "weight_decay", at: root, { $0 >= 0 }, "must not be negative") { c.weightDecay = v }
            if let v = integer(document, "seed", at: root, minimum: 0) { c.seed = UInt64(v) }
            if let v = integer(document, "cutoff_length", at: root, minimum: 2) { c.cutoffLength = v }
            if let v = string(document, "truncation", at: root, choices: ["response", "drop"]) { c.truncation = TruncationPolicy(rawValue: v)! }
            if let v = number(document, "beta", at: root, { $0 > 0 }, "must be positive") { c.beta = v }
            if let v = number(document, "label_smoothing", at: root, { (0..<0.5).contains($0) }, "must be in [0, 0.5)") { c.labelSmoothing = v }
            if let v = number(document, "pref_ftx", at: root, { $0 >= 0 }, "must not be negative") { c.prefFTX = v }
            if let v = integer(document, "checkpoint_every", at: root, minimum: 0) { c.checkpointEvery = v }
            if let v = string(document, "system_prompt", at: root) { result.systemPrompt = v }
            if let v = integer(document, "max_examples", at: root, minimum: 1) { result.maxExamples = v }
            if let value = document["lora"] {
                c.lora = lora(value, at: root.appending("lora"))
            }
            if let value = document["model"] {
                result.model = model(value, at: root.appending("model"))
            }
            if result.microBatchSizeGiven && c.microBatchSize > c.batchSize {
                report(root.appending("micro_batch_size"), "must not exceed batch_size (\(c.batchSize)), got \(c.microBatchSize)")
            }
            result.config = c
            return result
        }

        mutating func lora(_ value: SpecValue, at path: SpecPath) -> LoRAConfig? {
            guard let table = value.tableValue else {
                report(path, "must be a table such as { rank = 8, alpha = 16 }, got \(article(value.typeName))")
                return nil
            }
            unknownKeys(table, at: path, valid: TrainingConfigFile.loraKeys, what: "LoRA key")
            let rank = integer(table, "rank", at: path, minimum: 1) ?? 8
            let alpha = number(table, "alpha", at: path) ?? 16
            var targets = LoRATarget.allCases
            if let list = table["target_modules"] {
                guard let items = list.arrayValue, !items.isEmpty else {
                    report(path.appending("target_modules"), "must be a non-empty array of module names")
                    return nil
                }
                let names = LoRATarget.allCases.map(\.rawValue)
                targets = []
                for (i, item) in items.enumerated() {
                    guard let name = item.stringValue, let target = LoRATarget(rawValue: name) else {
                        report(path.appending("target_modules").appending(index: i), "\(item.displayText) is not a Qwen2 linear layer",
                               hint: NearestName.hint(for: item.stringValue ?? "", among: names, what: "module"))
                        continue
                    }
                    targets.append(target)
                }
            }
            return LoRAConfig(rank: rank, alpha: Float(alpha), targetModules: targets)
        }

        mutating func model(_ value: SpecValue, at path: SpecPath) -> DecoderConfig? {
            guard let table = value.tableValue else {
                report(path, "must be a table of Hugging Face Qwen2 fields, got \(article(value.typeName))")
                return nil
            }
            unknownKeys(table, at: path, valid: TrainingConfigFile.modelKeys, what: "model field")
            var fields: [String: Int] = [:]
            for key in ["hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "vocab_size"] {
                if table[key] == nil { report(path, "missing required field \"\(key)\""); continue }
                if let v = integer(table, key, at: path, minimum: 1) { fields[key] = v }
            }
            let kvHeads = integer(table, "num_key_value_heads", at: path, minimum: 1)
            let maxPositions = integer(table, "max_position_embeddings", at: path, minimum: 2)
            let eps = number(table, "rms_norm_eps", at: path, { $0 > 0 }, "must be positive")
            let theta = number(table, "rope_theta", at: path, { $0 > 0 }, "must be positive")
            var tied = false
            if let v = table["tie_word_embeddings"] {
                if let b = v.boolValue { tied = b } else { report(path.appending("tie_word_embeddings"), "must be true or false, got \(article(v.typeName))") }
            }
            guard fields.count == 5 else { return nil }
            let config = DecoderConfig(hiddenSize: fields["hidden_size"]!, numHiddenLayers: fields["num_hidden_layers"]!,
                                     numAttentionHeads: fields["num_attention_heads"]!, numKeyValueHeads: kvHeads,
                                     intermediateSize: fields["intermediate_size"]!, vocabSize: fields["vocab_size"]!,
                                     maxPositionEmbeddings: maxPositions ?? 32768, rmsNormEps: Float(eps ?? 1e-6),
                                     ropeTheta: Float(theta ?? 10000), tieWordEmbeddings: tied)
            do { try config.validate() } catch {
                report(path, "is not a usable Qwen2 architecture: \(error)")
                return nil
            }
            return config
        }
    }
}
