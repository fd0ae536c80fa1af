// The training config file: every key read, defaults where absent, and every mistake reported
// with file, line, column, key and (for a misspelling) the nearest valid key.

import Engine
import Foundation
import Pipeline
import Testing

@Suite("Training config file")
struct TrainingConfigFileTests {
    @Test("every key is read; absent keys keep their defaults; micro_batch_size follows batch_size")
    func readsEverything() throws {
        let text = """
            objective = "iopo"
            learning_rate = 5e-6
            epochs = 3
            warmup_ratio = 0.1
            batch_size = 4
            max_grad_norm = 0.5
            weight_decay = 0.01
            seed = 42
            cutoff_length = 6000
            truncation = "drop"
            beta = 0.2
            label_smoothing = 0.1
            pref_ftx = 0.5
            checkpoint_every = 50
            system_prompt = "Be brief."
            max_examples = 100
            lora = { rank = 4, alpha = 8, target_modules = ["q_proj", "v_proj"] }

            [model]
            hidden_size = 256
            num_hidden_layers = 4
            num_attention_heads = 8
            num_key_value_heads = 4
            intermediate_size = 704
            vocab_size = 4096
            tie_word_embeddings = true
            """
        let file = try TrainingConfigFile.parse(text: text, file: "t.toml")
        let c = file.config
        #expect(file.objective == .iopo && c.objective == .iopo)
        #expect(c.learningRate == 5e-6 && c.epochs == 3 && c.warmupRatio == 0.1 && c.batchSize == 4 && c.microBatchSize == 4)
        #expect(!file.microBatchSizeGiven)
        #expect(c.maxGradNorm == 0.5 && c.weightDecay == 0.01 && c.seed == 42 && c.cutoffLength == 6000 && c.truncation == .drop)
        #expect(c.beta == 0.2 && c.labelSmoothing == 0.1 && c.prefFTX == 0.5 && c.checkpointEvery == 50)
        #expect(c.lora == LoRAConfig(rank: 4, alpha: 8, targetModules: [.qProj, .vProj]))
        #expect(file.systemPrompt == "Be brief." && file.maxExamples == 100)
        #expect(file.model == DecoderConfig(hiddenSize: 256, numHiddenLayers: 4, numAttentionHeads: 8, numKeyValueHeads: 4,
                                          intermediateSize: 704, vocabSize: 4096, tieWordEmbeddings: true))

        let empty = try TrainingConfigFile.parse(text: "# nothing\n", file: "e.toml")
        let defaults = TrainingConfig(objective: .sft)
        #expect(empty.objective == nil && empty.model == nil && empty.config.lora == nil)
        #expect(empty.config.learningRate == defaults.learningRate && empty.config.beta == defaults.beta && empty.config.batchSize == defaults.batchSize)

        // [lora] as a table, integers where numbers are expected.
        let table = try TrainingConfigFile.parse(text: "learning_rate = 1\nmicro_batch_size = 2\n[lora]\nrank = 16\nalpha = 32\n", file: "l.toml")
        #expect(table.config.lora == LoRAConfig(rank: 16, alpha: 32))
        #expect(table.config.learningRate == 1 && table.config.microBatchSize == 2 && table.microBatchSizeGiven)
    }

    func problems(_ text: String) -> [ConfigDiagnostic] {
        do {
            _ = try TrainingConfigFile.parse(text: text, file: "bad.toml")
            Issue.record("expected an error for:\n\(text)")
            return []
        } catch { return error.diagnostics }
    }

    @Test("an unknown key is an error naming it, where it is, and the nearest valid key")
    func unknownKeys() {
        let found = problems("beta = 0.1\nlearning_rat = 1e-4\n")
        #expect(found.count == 1)
        #expect(found.first?.line == 2 && found.first?.column == 1 && found.first?.field == "learning_rat")
        #expect(found.first?.description == "bad.toml:2:1: learning_rat: unknown key \"learning_rat\"; did you mean \"learning_rate\"?")

        let nested = problems("[lora]\nrank = 8\nalpah = 16\n[model]\nhidden = 3\n")
        #expect(nested.map(\.field) == ["lora.alpah", "model", "model", "model", "model", "model", "model.hidden"])
        #expect(nested.first?.hint == "did you mean \"alpha\"?")
        #expect(nested.contains { $0.message == "missing required field \"hidden_size\"" })

        let far = problems("colour = 1\n")
        #expect(far.first?.hint?.hasPrefix("valid keys: objective, learning_rate") == true)
    }

    @Test("wrong types and impossible values name the key and what is allowed")
    func badValues() {
        let cases: [(String, String, String)] = [
            ("learning_rate = \"fast\"", "learning_rate", "must be a number, got a string"),
            ("learning_rate = -1", "learning_rate", "must be positive, got -1"),
            ("epochs = 1.5", "epochs", "must be an integer, got a number"),
            ("epochs = 0", "epochs", "must be at least 1, got 0"),
            ("warmup_ratio = 1", "warmup_ratio", "must be in [0, 1), got 1"),
            ("label_smoothing = 0.5", "label_smoothing", "must be in [0, 0.5), got 0.5"),
            ("truncation = \"respone\"", "truncation", "\"respone\" is not one of response, drop"),
            ("objective = \"ipo\"", "objective", "\"ipo\" is not one of sft, dpo, iopo, iopo-no-input, iopo-no-output"),
            ("lora = 8", "lora", "must be a table such as { rank = 8, alpha = 16 }, got an integer"),
            ("lora = { rank = 0 }", "lora.rank", "must be at least 1, got 0"),
            ("lora = { target_modules = [\"qproj\"] }", "lora.target_modules[0]", "qproj is not a Qwen2 linear layer"),
            ("batch_size = 2\nmicro_batch_size = 4", "micro_batch_size", "must not exceed batch_size (2), got 4"),
            ("[model]\nhidden_size = 30\nnum_hidden_layers = 1\nnum_attention_heads = 4\nintermediate_size = 8\nvocab_size = 10", "model",
             "is not a usable Qwen2 architecture"),
        ]
        for (text, field, message) in cases {
            let found = problems(text)
            #expect(found.count == 1, "\(text): \(found)")
            #expect(found.first?.field == field, "\(text): \(found)")
            #expect(found.first?.message.hasPrefix(message) == true, "\(text): \(found.first?.message ?? "none")")
        }
        #expect(problems("truncation = \"respone\"").first?.hint == "did you mean \"response\"?")
    }

    @Test("several problems are reported at once, in file order; syntax errors have a position")
    func allAtOnce() {
        let found = problems("epochs = 0\nbeta = \"x\"\nwhat = 1\n")
        #expect(found.map(\.line) == [1, 2, 3])
        let syntax: ConfigFileError?
        do { _ = try TrainingConfigFile.parse(text: "beta = = 1\n", file: "s.toml"); syntax = nil } catch { syntax = error }
        guard case .syntax(let diagnostic)? = syntax else { Issue.record("expected a syntax error"); return }
        #expect(diagnostic.line == 1 && diagnostic.file == "s.toml")
        let missing: ConfigFileError?
        do { _ = try TrainingConfigFile.load(URL(fileURLWithPath: "/nonexistent/x.toml")); missing = nil } catch { missing = error }
        #expect(missing?.description == "cannot read training config /nonexistent/x.toml: no such file")
        let directory: ConfigFileError?
        do { _ = try TrainingConfigFile.load(URL(fileURLWithPath: NSTemporaryDirectory())); directory = nil } catch { directory = error }
        #expect(directory?.description.hasSuffix(": it is a directory") == true, "\(String(describing: directory))")
    }
}
