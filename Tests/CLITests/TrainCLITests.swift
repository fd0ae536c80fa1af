// `iopo-exp train` as a user runs it, on a synthetic TRACE written by `iopo-exp data synth`: SFT
// from scratch, then every preference objective from the SFT model; the output directory; a run
// resumed from a checkpoint ending byte-identical to an uninterrupted one; bad input exiting 2
// with a message that names the problem; a NaN loss exiting 1 naming the step and the checkpoint.

import Foundation
import Testing

@Suite(.serialized) struct TrainCLITests {
    /// A tiny model trained from scratch: 2 layers of width 16.
    static let config = """
        learning_rate = 5e-3
        epochs = 1
        batch_size = 4
        warmup_ratio = 0
        checkpoint_every = 2
        [model]
        hidden_size = 16
        num_hidden_layers = 2
        num_attention_heads = 4
        num_key_value_heads = 2
        intermediate_size = 32
        vocab_size = 320
        max_position_embeddings = 512
        """

    /// Synthetic data and an SFT model in `cli`'s directory (`data/`, `sft/`).
    func prepare(_ cli: CLI) throws {
        let synth = try cli.run(["data", "synth", "--train-quadruples", "12", "--eval-in-domain", "2", "--eval-out-of-domain", "2",
                                 "--max-constraints", "2", "--out", "data"])
        #expect(synth.status == 0, "\(synth.stderr)")
        try cli.write(Self.config, to: "tiny.toml")
        let sft = try cli.run(["train", "--objective", "sft", "--data", "data/train", "--config", "tiny.toml", "--out", "sft"])
        #expect(sft.status == 0, "\(sft.stderr)")
        #expect(sft.stdout.hasPrefix("trained sft: 6 steps on 24 units"), "\(sft.stdout)")
    }

    func read(_ cli: CLI, _ path: String) -> String {
        (try? String(contentsOf: cli.directory.appendingPathComponent(path), encoding: .utf8)) ?? ""
    }

    func exists(_ cli: CLI, _ path: String) -> Bool {
        FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent(path).path)
    }

    @Test func sftFromScratchThenEveryPreferenceObjective() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try prepare(cli)
        for file in ["sft/model/config.json", "sft/model/model.safetensors", "sft/model/tokenizer.json", "sft/train_summary.json",
                     "sft/checkpoints/step-2/trainer_state.json", "sft/checkpoints/step-4/tokenizer.json", "sft/checkpoints/step-6/train_log.jsonl"] {
            #expect(exists(cli, file), "missing \(file)")
        }
        #expect(!exists(cli, "sft/adapter"), "no adapter without LoRA")
        let log = read(cli, "sft/train_log.jsonl").split(separator: "\n")
        #expect(log.count == 6 && log[0].hasPrefix("{\"epoch\":") && log[0].contains("\"loss\":") && log[0].contains("\"grad_norm\":"))
        #expect(read(cli, "sft/train_summary.json").hasPrefix("{\"dropped_units\":0,\"final_metrics\":{\"loss\":"))

        for objective in ["dpo", "iopo", "iopo-no-input", "iopo-no-output"] {
            let run = try cli.run(["train", "--objective", objective, "--data", "data/train", "--from", "sft/model", "--config", "tiny.toml",
                                   "--lora-rank", "4", "--learning-rate", "1e-3", "--out", objective])
            #expect(run.status == 0, "\(objective): \(run.stderr)")
            #expect(exists(cli, "\(objective)/adapter/adapter_model.safetensors") && exists(cli, "\(objective)/adapter/adapter_config.json"))
            #expect(exists(cli, "\(objective)/model/model.safetensors"))
            let first = read(cli, "\(objective)/train_log.jsonl").split(separator: "\n").first ?? ""
            let keys = objective == "dpo" ? ["rewards/accuracies", "rewards/chosen", "rewards/margins", "rewards/rejected"]
                : ["rewards/accuracies_v1", "rewards/accuracies_v2", "rewards/chosen_v1", "rewards/margins_v2", "rewards/rejected_v2"]
            for key in keys { #expect(first.contains("\"\(key)\":"), "\(objective) log lacks \(key): \(first)") }
            // Not a terminal: plain progress lines on stderr.
            #expect(run.stderr.contains("step 1/"), "\(run.stderr)")
            #expect(run.stderr.contains(" acc "), "progress shows the reward accuracy")
        }
        // The adapter is PEFT's.
        #expect(read(cli, "iopo/adapter/adapter_config.json").contains("\"peft_type\": \"LORA\""))

        // On a terminal the step line is redrawn in place (run under a pseudo-terminal).
        let terminal = try cli.shell("script -qefc '\"$IOPO\" train --objective iopo --data data/train --from sft/model --config tiny.toml --lora-rank 2 --out tty' /dev/null")
        #expect(terminal.status == 0 && terminal.stdout.contains("left\r\u{1B}[Kstep 2/3 loss "), "\(terminal.stdout)")
        #expect(terminal.stdout.contains(" tok/s ") && terminal.stdout.contains(" acc "))

        // An architecture from a Hugging Face config.json.
        try cli.write(#"{"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 24, "vocab_size": 300, "model_type": "qwen2"}"#,
                      to: "config.json")
        let scratch = try cli.run(["train", "--objective", "sft", "--data", "data/sft", "--model-config", "config.json", "--max-examples", "4",
                                   "--batch-size", "2", "--out", "scratch"])
        #expect(scratch.status == 0, "\(scratch.stderr)")
        #expect(read(cli, "scratch/model/config.json").contains("\"num_hidden_layers\": 1"))

        // --from a store id: the model imported, trained from its id; the adapter names that id.
        #expect(try cli.run(["init", "--store", "store"]).status == 0)
        let imported = try cli.run(["model", "import", "sft/model", "--store", "store"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let id = String(imported.stdout.prefix { $0 != " " })
        let fromID = try cli.run(["train", "--objective", "dpo", "--data", "data/train", "--from", String(id.prefix(16)), "--store", "store",
                                  "--config", "tiny.toml", "--lora-rank", "2", "--out", "from-id"])
        #expect(fromID.status == 0, "\(fromID.stderr)")
        #expect(read(cli, "from-id/adapter/adapter_config.json").contains("\"base_model_name_or_path\": \"\(id.prefix(16))\""))

        // --json.
        let json = try cli.run(["train", "--objective", "iopo", "--data", "data/train", "--from", "sft/model", "--config", "tiny.toml",
                                "--lora-rank", "2", "--out", "json", "--json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: json.stdoutBytes) as? [String: Any]
        #expect(object?["steps"] as? Int == 3 && object?["units"] as? Int == 12)
    }

    @Test func aResumedRunEndsByteIdenticalToAnUninterruptedOne() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try prepare(cli)
        let args = ["train", "--objective", "iopo", "--data", "data/train", "--from", "sft/model", "--config", "tiny.toml",
                    "--lora-rank", "4", "--batch-size", "2", "--checkpoint-every", "2"]
        #expect(try cli.run(args + ["--out", "whole"]).status == 0)
        // A second run that stopped after step 2: only its checkpoint survives.
        #expect(try cli.shell("mkdir -p part/checkpoints && cp -r whole/checkpoints/step-2 part/checkpoints/").status == 0)
        let resumed = try cli.run(args + ["--out", "part", "--resume", "part/checkpoints/step-2"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming from") && resumed.stderr.contains("after step 2 of 6"))
        #expect(!resumed.stderr.contains("step 1/6") && resumed.stderr.contains("step 3/6"))
        for file in ["model/model.safetensors", "adapter/adapter_model.safetensors", "train_log.jsonl", "train_summary.json",
                     "checkpoints/step-6/optimizer.safetensors"] {
            #expect(try cli.shell("cmp whole/\(file) part/\(file) && echo same").stdout.contains("same"), "\(file) differs after resuming")
        }
        // Scratch SFT resumes too (the tokenizer comes from the checkpoint).
        let sftArgs = ["train", "--objective", "sft", "--data", "data/train", "--config", "tiny.toml"]
        #expect(try cli.shell("mkdir -p sft2/checkpoints && cp -r sft/checkpoints/step-4 sft2/checkpoints/").status == 0)
        let sftResumed = try cli.run(sftArgs + ["--out", "sft2", "--resume", "sft2/checkpoints/step-4"])
        #expect(sftResumed.status == 0, "\(sftResumed.stderr)")
        #expect(!sftResumed.stderr.contains("training a 320-token tokenizer"))
        #expect(try cli.shell("cmp sft/model/model.safetensors sft2/model/model.safetensors && cmp sft/train_log.jsonl sft2/train_log.jsonl && echo same").stdout.contains("same"))
    }

    @Test func badInputExitsTwoNamingTheProblem() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try prepare(cli)
        let from = ["--from", "sft/model", "--config", "tiny.toml"]
        func fails(_ arguments: [String], _ expected: [String], code: Int32 = 2, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let result = try cli.run(["train"] + arguments)
            #expect(result.status == code, "\(arguments): exit \(result.status), \(result.stderr)", sourceLocation: sourceLocation)
            for text in expected {
                #expect(result.stderr.contains(text), "\(arguments): stderr lacks \"\(text)\": \(result.stderr)", sourceLocation: sourceLocation)
            }
        }
        // Data without what the objective needs.
        try fails(["--objective", "dpo", "--data", "data/sft", "--out", "o1"] + from, ["example 0 is an SFT example", "objective dpo needs"])
        try fails(["--objective", "iopo", "--data", "data/dpo", "--out", "o2"] + from, ["example 0 is a preference pair", "IOPO quadruples"])
        // An empty dataset, a missing one, a malformed record.
        try cli.write("", to: "empty.jsonl")
        try fails(["--objective", "iopo", "--data", "empty.jsonl", "--out", "o3"] + from, ["holds no examples"])
        try fails(["--objective", "iopo", "--data", "missing.jsonl", "--out", "o4"] + from, ["missing.jsonl", "no such file"])
        try cli.write("{\"conversations\": 1}\n", to: "bad.jsonl")
        try fails(["--objective", "sft", "--data", "bad.jsonl", "--out", "o5"] + from, ["bad.jsonl:1:", "conversations"])
        // Config mistakes: an unknown key (with the nearest valid one), a bad value, a bad objective, a bad flag value.
        try cli.write("learning_rat = 1e-3\n", to: "typo.toml")
        try fails(["--objective", "sft", "--data", "data/train", "--from", "sft/model", "--config", "typo.toml", "--out", "o6"],
                  ["typo.toml:1:1", "unknown key \"learning_rat\"", "did you mean \"learning_rate\"?"])
        try fails(["--objective", "ipo", "--data", "data/train", "--out", "o7"] + from, ["'ipo' is invalid for '--objective <objective>'", "'iopo-no-output'"])
        try fails(["--objective", "iopo", "--data", "data/train", "--out", "o8", "--beta=-1"] + from, ["beta must be a positive number"])
        try fails(["--objective", "iopo", "--data", "data/train", "--out", "o9", "--lora-rank=-2"] + from, ["--lora-rank"])
        // Models: none given, a missing --from, shapes that do not match the config, preference training from scratch.
        try cli.write("batch_size = 2\n", to: "nomodel.toml")
        try fails(["--objective", "sft", "--data", "data/train", "--config", "nomodel.toml", "--out", "o10"], ["--from MODEL_DIR", "--model-config"])
        try fails(["--objective", "dpo", "--data", "data/train", "--from", "nowhere", "--out", "o11"], ["--from", "nowhere"])
        try cli.write(#"{"hidden_size": 16}"#, to: "partial.json")
        try fails(["--objective", "sft", "--data", "data/train", "--model-config", "partial.json", "--out", "o17"],
                  ["--model-config partial.json: missing field \"num_hidden_layers\""])
        try cli.write(Self.config.replacingOccurrences(of: "hidden_size = 16", with: "hidden_size = 32"), to: "wide.toml")
        try fails(["--objective", "dpo", "--data", "data/train", "--from", "sft/model", "--config", "wide.toml", "--out", "o12"],
                  ["hidden_size is 16, but the model config says 32"])
        try fails(["--objective", "iopo", "--data", "data/train", "--config", "tiny.toml", "--out", "o13"], ["iopo fine-tunes an existing model"])
        // A checkpoint from another model: the shapes do not fit.
        try fails(["--objective", "sft", "--data", "data/train", "--config", "wide.toml", "--out", "o14", "--resume", "sft/checkpoints/step-2"],
                  ["does not fit the model", "model.embed_tokens.weight"])
        try fails(["--objective", "sft", "--data", "data/train", "--out", "o15", "--resume", "data"] + from, ["not a checkpoint directory"])
        // Sequences over the cutoff: dropped, and when nothing is left, an error saying so.
        try fails(["--objective", "iopo", "--data", "data/train", "--cutoff-length", "8", "--truncation", "drop", "--out", "o16"] + from,
                  ["all 12 units exceed cutoff_length 8"])
        // The output directory must be new.
        try fails(["--objective", "sft", "--data", "data/train", "--out", "sft"] + from, ["already exists and is not empty"])
        // Truncation is counted and reported.
        let cut = try cli.run(["train", "--objective", "iopo", "--data", "data/train", "--cutoff-length", "150", "--lora-rank", "2", "--out", "cut"] + from)
        #expect(cut.status == 0, "\(cut.stderr)")
        #expect(cut.stderr.contains("iopo: 9 training units (33 sequences truncated to cutoff_length 150, 3 units dropped), 3 optimizer steps"), "\(cut.stderr)")
    }

    @Test func aNaNLossStopsWithExitOneNamingTheStepAndTheLastCheckpoint() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try prepare(cli)
        let run = try cli.run(["train", "--objective", "sft", "--data", "data/train", "--from", "sft/model", "--config", "tiny.toml",
                               "--learning-rate", "1e30", "--checkpoint-every", "1", "--out", "nan"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("the loss became NaN or infinite at optimizer step"), "\(run.stderr)")
        // The step after the last checkpoint failed, and that checkpoint is named and intact.
        let step = run.stderr.components(separatedBy: "at optimizer step ").last.flatMap { Int($0.prefix { $0.isNumber }) } ?? 0
        #expect(step >= 2)
        #expect(run.stderr.contains("the last good checkpoint is \(cli.directory.appendingPathComponent("nan/checkpoints/step-\(step - 1)").path)"))
        #expect(exists(cli, "nan/checkpoints/step-\(step - 1)/trainable.safetensors"))
        #expect(!exists(cli, "nan/model"), "no model is written for a failed run")
        #expect(read(cli, "nan/train_log.jsonl").split(separator: "\n").count == step - 1, "the log keeps the good steps")
    }
}
