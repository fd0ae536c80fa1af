// `iopo-exp model ...` and `iopo-exp generate` run as a user runs them: the built binary on files
// in a scratch directory. The numbers themselves are checked against transformers by
// scripts/parity/run.sh; these tests check the commands, their determinism and every bad input.

import Foundation
import TestKit
import Testing

@Suite(.serialized) struct ModelCLITests {
    static let config = """
        {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
         "intermediate_size": 48, "vocab_size": 300, "max_position_embeddings": 64}
        """

    static let corpus = (0..<40).map { "line \($0): the model reads, writes and counts words; 第\($0)行 文本。" }.joined(separator: "\n")

    /// A scratch directory holding config.json, corpus.txt and a model made by `model init`.
    func makeModel(_ cli: CLI, seed: Int = 5, out: String = "model") throws {
        try cli.write(Self.config, to: "config.json")
        try cli.write(Self.corpus, to: "corpus.txt")
        let result = try cli.run(["model", "init", "--config", "config.json", "--tokenizer-corpus", "corpus.txt", "--seed", "\(seed)", "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func initExportImportGenerateRoundTripAndDeterminism() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try makeModel(cli)
        // Deterministic: the same inputs give the same bytes; another seed other weights.
        try makeModel(cli, out: "again")
        try makeModel(cli, seed: 6, out: "other")
        #expect(try cli.shell("diff -r model again && echo same").stdout.contains("same"))
        #expect(try cli.shell("cmp -s model/model.safetensors other/model.safetensors || echo differ").stdout.contains("differ"))
        #expect(try cli.shell("cmp -s model/tokenizer.json other/tokenizer.json && echo same").stdout.contains("same"))
        let files = try cli.shell("ls model").stdout
        for name in ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"] {
            #expect(files.contains(name))
        }

        let info = try cli.run(["model", "info", "model", "--json"])
        #expect(info.status == 0)
        #expect(info.stdout.contains("\"hidden_size\" : 32") && info.stdout.contains("\"num_key_value_heads\" : 2"))
        #expect(info.stdout.contains("\"tokenizer_vocabulary\" : 300"))

        // Export is a faithful copy; import stores the canonical export under an id that export
        // and generate accept (full or prefix).
        #expect(try cli.run(["model", "export", "model", "--hf", "exported"]).status == 0)
        #expect(try cli.shell("diff -r model exported && echo same").stdout.contains("same"))
        #expect(try cli.run(["init"]).status == 0)
        let imported = try cli.run(["model", "import", "model"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let id = cli.firstID(imported)
        #expect(id.hasPrefix("sha256:") && imported.stdout.contains("parameters"))
        #expect(cli.firstID(try cli.run(["model", "import", "exported"])) == id)
        #expect(try cli.run(["model", "export", String(id.dropFirst(7).prefix(12)), "--hf", "from-store"]).status == 0)
        #expect(try cli.shell("diff -r model from-store && echo same").stdout.contains("same"))

        // Generation: greedy and seeded sampling repeat exactly; another seed samples otherwise.
        let greedy = ["generate", "model", "--prompt", "count the words", "--max-new-tokens", "12", "--json"]
        let first = try cli.run(greedy), second = try cli.run(greedy)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == second.stdout)
        #expect(first.stdout.contains("\"prompt_tokens\""))
        let sample = ["generate", id, "--prompt", "count the words", "--max-new-tokens", "30", "--temperature", "1.0",
                      "--top-p", "0.95", "--top-k", "50", "--json"]
        let a = try cli.run(sample + ["--seed", "11"]), b = try cli.run(sample + ["--seed", "11"]), c = try cli.run(sample + ["--seed", "12"])
        #expect(a.status == 0 && a.stdout == b.stdout)
        #expect(a.stdout != c.stdout)
        let raw = try cli.run(["generate", "model", "--prompt", "line 3:", "--raw", "--max-new-tokens", "5"])
        #expect(raw.status == 0)
        #expect(try cli.run(["generate", "model", "--prompt", "hi", "--system", "Be brief.", "--max-new-tokens", "4"]).status == 0)

        // A --stop string ends the text before it: stopping at the first character of the
        // unstopped output leaves nothing.
        let plain = try cli.run(["generate", "model", "--prompt", "count the words", "--max-new-tokens", "12"])
        if let character = plain.stdout.trimmingCharacters(in: .newlines).first {
            let stopped = try cli.run(["generate", "model", "--prompt", "count the words", "--max-new-tokens", "12", "--stop", String(character)])
            #expect(stopped.status == 0 && stopped.stdout == "\n")
        }
    }

    /// One way to name a model: `serve` takes a stored id (prefix) as `generate` does, and answers
    /// a chat request over HTTP with what `generate` prints for the same prompt; a file that is
    /// not GGUF is refused naming it.
    @Test func serveTakesAStoredIDAndAnswersLikeGenerate() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try makeModel(cli)
        #expect(try cli.run(["init"]).status == 0)
        let id = cli.firstID(try cli.run(["model", "import", "model"]))
        let prefix = String(id.dropFirst(7).prefix(12))
        let generated = try cli.run(["generate", prefix, "--prompt", "count the words", "--max-new-tokens", "8"])
        #expect(generated.status == 0, "\(generated.stderr)")

        let log = cli.directory.appendingPathComponent("serve.log")
        let process = try ProcessRunner.start(CLI.binary, ["serve", prefix, "--port", "0", "--served-model-name", "tiny"], in: cli.directory, stdout: log)
        defer { process.terminate(); process.waitUntilExit() }
        var address: String?
        let deadline = Date().addingTimeInterval(60)
        while address == nil && process.isRunning && Date() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            address = text.split(separator: "\n").first { $0.hasPrefix("listening on ") }.map { String($0.dropFirst("listening on ".count)) }
            if address == nil { usleep(50_000) }
        }
        let base = try #require(address, "serve never said where it listens")
        let body = #"{"model": "tiny", "messages": [{"role": "user", "content": "count the words"}], "max_tokens": 8, "temperature": 0}"#
        try cli.write(body, to: "request.json")
        let response = try cli.shell("curl -s -H 'Content-Type: application/json' --data @request.json \(base)/v1/chat/completions")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(response.stdout.utf8)) as? [String: Any], "\(response.stdout)")
        let message = ((document["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
        #expect(message.map { $0 + "\n" } == generated.stdout, "served \(message ?? "nothing"), generate printed \(generated.stdout)")

        try cli.write("not a model", to: "notes.txt")
        let refused = try cli.run(["serve", "notes.txt"])
        #expect(refused.status == 2 && refused.stderr.contains("notes.txt is a file but not a GGUF file"), "\(refused.stderr)")
    }

    @Test func tomlConfigAndJSONCorpusAreAccepted() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try cli.write("""
            hidden_size = 32
            num_hidden_layers = 1
            num_attention_heads = 2
            intermediate_size = 40
            vocab_size = 280
            max_position_embeddings = 32
            tie_word_embeddings = true
            """, to: "config.toml")
        let records = (0..<30).map { #"{"messages": [{"role": "user", "content": "question \#($0) about words"}, {"role": "assistant", "content": "answer \#($0)"}]}"# }
        try cli.write(records.joined(separator: "\n"), to: "corpus.jsonl")
        let result = try cli.run(["model", "init", "--config", "config.toml", "--tokenizer-corpus", "corpus.jsonl", "--out", "m"])
        #expect(result.status == 0, "\(result.stderr)")
        let info = try cli.run(["model", "info", "m", "--json"])
        #expect(info.stdout.contains("\"tie_word_embeddings\" : true") && info.stdout.contains("\"num_key_value_heads\" : 2"))
        #expect(try cli.shell("grep -c lm_head m/model.safetensors || true").stdout.hasPrefix("0"))
    }

    @Test func badConfigsAndCorporaExitTwoNamingTheProblem() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try cli.write(Self.corpus, to: "corpus.txt")
        let cases: [(String, String)] = [
            (#"{"hidden_size": 30, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8, "vocab_size": 300}"#, "hidden_size"),
            (#"{"hidden_size": 36, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8, "vocab_size": 300}"#, "head_dim 9"),
            (#"{"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 3, "intermediate_size": 8, "vocab_size": 300}"#, "num_key_value_heads"),
            (#"{"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8}"#, "vocab_size"),
            (#"{"hidden_size": 32, "num_hidden_layers": 0, "num_attention_heads": 4, "intermediate_size": 8, "vocab_size": 300}"#, "num_hidden_layers"),
            (#"{"model_type": "mistral", "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8, "vocab_size": 300}"#, "model_type"),
            (#"{"model_type": "llama", "attention_bias": true, "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8, "vocab_size": 300}"#, "attention_bias"),
            (#"{"model_type": "llama", "head_dim": 16, "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8, "vocab_size": 300}"#, "head_dim"),
            (#"{"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8, "vocab_size": 100}"#, "vocabulary"),
            (#"{"hidden_size": 32,"#, "not valid JSON"),
        ]
        for (index, (config, expected)) in cases.enumerated() {
            try cli.write(config, to: "bad\(index).json")
            let result = try cli.run(["model", "init", "--config", "bad\(index).json", "--tokenizer-corpus", "corpus.txt", "--out", "m\(index)"])
            #expect(result.status == 2, "case \(index): \(result.stderr)")
            #expect(result.stderr.contains(expected), "case \(index): \(result.stderr)")
            #expect(try cli.shell("test -e m\(index) || echo absent").stdout.contains("absent"), "case \(index) left output behind")
        }
        try cli.write("hidden_size = [", to: "bad.toml")
        let toml = try cli.run(["model", "init", "--config", "bad.toml", "--tokenizer-corpus", "corpus.txt", "--out", "t"])
        #expect(toml.status == 2 && toml.stderr.contains("bad.toml:1"))
        try cli.write(Self.config, to: "config.json")
        let missing = try cli.run(["model", "init", "--config", "config.json", "--tokenizer-corpus", "nope.txt", "--out", "x"])
        #expect(missing.status == 2 && missing.stderr.contains("nope.txt"))
        try cli.write("{\"a\": \"b\"}\nnot json\n", to: "broken.jsonl")
        let broken = try cli.run(["model", "init", "--config", "config.json", "--tokenizer-corpus", "broken.jsonl", "--out", "x"])
        #expect(broken.status == 2 && broken.stderr.contains("broken.jsonl:2"))
        try makeModel(cli)
        let exists = try cli.run(["model", "init", "--config", "config.json", "--tokenizer-corpus", "corpus.txt", "--out", "model"])
        #expect(exists.status == 2 && exists.stderr.contains("already exists"))
    }

    @Test func corruptSafetensorsAreRefusedWithTheirFileAndTensor() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try makeModel(cli)
        let original = try Data(contentsOf: cli.directory.appendingPathComponent("model/model.safetensors"))
        let (header, data) = try SafetensorsBytes.split(original)
        let layer0 = "model.layers.0.input_layernorm.weight", post0 = "model.layers.0.post_attention_layernorm.weight"

        var corruptions: [(String, Data, String)] = []
        corruptions.append(("truncated", original.prefix(original.count - 4), "truncated"))
        var huge = original
        huge.replaceSubrange(0..<8, with: SafetensorsBytes.littleEndian(UInt64(1) << 40))
        corruptions.append(("header-too-large", huge, "exceeds the limit"))
        corruptions.append(("header-beyond-end", original.prefix(200), "truncated"))
        var overlapping = header
        overlapping[post0] = (header[post0] as! [String: Any]).merging(["data_offsets": (header[layer0] as! [String: Any])["data_offsets"]!]) { $1 }
        corruptions.append(("overlapping-offsets", try SafetensorsBytes.join(overlapping, data), "overlaps"))
        var outOfRange = header
        let last = header.keys.filter { $0 != "__metadata__" }.max { SafetensorsBytes.end(header[$0]) < SafetensorsBytes.end(header[$1]) }!
        var lastEntry = header[last] as! [String: Any]
        let lastOffsets = lastEntry["data_offsets"] as! [Int]
        lastEntry["data_offsets"] = [lastOffsets[0] + 4, lastOffsets[1] + 4]
        outOfRange[last] = lastEntry
        corruptions.append(("offset-gap-and-out-of-range", try SafetensorsBytes.join(outOfRange, data), last))
        var badDType = header
        badDType[layer0] = (header[layer0] as! [String: Any]).merging(["dtype": "I32"]) { $1 }
        corruptions.append(("unsupported-dtype", try SafetensorsBytes.join(badDType, data), "dtype I32 is not supported"))
        var unknownDType = header
        unknownDType[layer0] = (header[layer0] as! [String: Any]).merging(["dtype": "Q4"]) { $1 }
        corruptions.append(("unknown-dtype", try SafetensorsBytes.join(unknownDType, data), "unknown dtype \"Q4\""))
        corruptions.append(("missing-tensor", try SafetensorsBytes.dropping(post0, header: header, data: data), post0))
        corruptions.append(("not-json-header", SafetensorsBytes.littleEndian(UInt64(4)) + Data("{{{{".utf8) + data, "not valid JSON"))

        for (name, bytes, expected) in corruptions {
            #expect(try cli.shell("cp -r model \(name)").status == 0)
            try bytes.write(to: cli.directory.appendingPathComponent("\(name)/model.safetensors"))
            for command in [["model", "info", name], ["generate", name, "--prompt", "hi"], ["model", "import", name]] {
                let result = try cli.run(command)
                #expect(result.status == 2, "\(name) \(command[1]): \(result.stderr)")
                #expect(result.stderr.contains(expected), "\(name) \(command[1]): \(result.stderr)")
                #expect(result.stderr.contains("model.safetensors"), "\(name): the message should name the file: \(result.stderr)")
            }
        }
        // No tokenizer, no model: a clear message rather than a crash.
        #expect(try cli.shell("cp -r model notokenizer && rm notokenizer/tokenizer.json").status == 0)
        let noTokenizer = try cli.run(["generate", "notokenizer", "--prompt", "hi"])
        #expect(noTokenizer.status == 2 && noTokenizer.stderr.contains("tokenizer.json"))
        let noDirectory = try cli.run(["model", "info", "absent-dir"])
        #expect(noDirectory.status == 2 && noDirectory.stderr.contains("absent-dir"))
    }

    @Test func promptsLongerThanTheContextAndBadSettingsExitTwo() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try makeModel(cli)
        let long = String(repeating: "words and more words ", count: 40)
        for arguments in [["--prompt", long], ["--prompt", long, "--raw"]] {
            let result = try cli.run(["generate", "model"] + arguments)
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("longer than the model's context of 64 tokens"), "\(result.stderr)")
        }
        for (arguments, expected) in [(["--top-p", "0"], "topP"), (["--temperature", "-1"], "temperature"),
                                      (["--raw", "--system", "x"], "--system"), (["--threads", "0"], "--threads")] {
            let result = try cli.run(["generate", "model", "--prompt", "hi"] + arguments)
            #expect(result.status == 2 && result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
    }

    @Test func loraInitMergeAndParityDump() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try makeModel(cli)
        #expect(try cli.run(["model", "lora-init", "model", "--rank", "2", "--alpha", "4", "--b-std", "0.1", "--out", "adapter"]).status == 0)
        #expect(try cli.run(["model", "lora-init", "model", "--rank", "2", "--alpha", "4", "--out", "zero",
                             "--target-modules", "q_proj,v_proj"]).status == 0)
        #expect(try cli.shell("ls adapter").stdout.contains("adapter_model.safetensors"))
        let badTarget = try cli.run(["model", "lora-init", "model", "--target-modules", "qq_proj", "--out", "bad"])
        #expect(badTarget.status == 2 && badTarget.stderr.contains("qq_proj"))
        #expect(try cli.run(["model", "export", "model", "--adapter", "adapter", "--hf", "merged"]).status == 0)
        #expect(try cli.run(["model", "export", "model", "--adapter", "zero", "--hf", "merged-zero"]).status == 0)
        // A zero-B adapter leaves the weights as they are; a random one changes them.
        #expect(try cli.shell("cmp -s model/model.safetensors merged-zero/model.safetensors && echo same").stdout.contains("same"))
        #expect(try cli.shell("cmp -s model/model.safetensors merged/model.safetensors || echo differ").stdout.contains("differ"))

        try cli.write(#"{"input_ids": [[1, 2, 3, 4], [5, 6]], "response_mask": [[0, 0, 1, 1], [0, 1]], "generate": {"prompt_ids": [1, 2], "max_new_tokens": 3, "eos_token_id": null}}"#, to: "request.json")
        let dump = try cli.run(["model", "parity-dump", "model", "--adapter", "adapter", "--tokens", "request.json", "--out", "ours.json"])
        #expect(dump.status == 0, "\(dump.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: cli.directory.appendingPathComponent("ours.json"))) as! [String: Any]
        let logits = object["logits"] as! [[[Double]]]
        #expect(logits.count == 2 && logits[0].count == 4 && logits[0][0].count == 300 && logits[1].count == 2)
        let gradients = object["gradients"] as! [String: [Double]]
        #expect(gradients.count == 2 * 7 * 2 && gradients.keys.allSatisfy { $0.contains("lora_") })
        #expect((object["logprobs"] as! [Double]).count == 2 && (object["loss"] as! Double) > 0)
        #expect(((object["generate"] as! [String: Any])["ids"] as! [Int]).count == 3)
        try cli.write(#"{"input_ids": [[1, 2, 999]]}"#, to: "out-of-range.json")
        let outOfRange = try cli.run(["model", "parity-dump", "model", "--tokens", "out-of-range.json", "--out", "x.json"])
        #expect(outOfRange.status == 2 && outOfRange.stderr.contains("999"), "\(outOfRange.stderr)")
        try cli.write(#"{"input_ids": [[1, 2]], "loss_mask": [[0]]}"#, to: "bad-mask.json")
        let badMask = try cli.run(["model", "parity-dump", "model", "--tokens", "bad-mask.json", "--out", "x.json"])
        #expect(badMask.status == 2 && badMask.stderr.contains("loss_mask[0]"), "\(badMask.stderr)")

        // The light form real vocabularies need, and the tokenizer and template fields.
        try cli.write(#"{"input_ids": [[1, 2, 3]], "last_logits_only": true, "skip_gradients": true, "encode": ["count the words", "<|im_end|>"], "render_chat": [[{"role": "user", "content": "Hi"}]], "generate": [{"prompt_ids": [1], "max_new_tokens": 2, "eos_token_id": null}, {"prompt_ids": [2], "max_new_tokens": 1, "eos_token_id": null}]}"#, to: "light.json")
        let light = try cli.run(["model", "parity-dump", "model", "--tokens", "light.json", "--out", "light-out.json"])
        #expect(light.status == 0, "\(light.stderr)")
        let lightObject = try JSONSerialization.jsonObject(with: Data(contentsOf: cli.directory.appendingPathComponent("light-out.json"))) as! [String: Any]
        #expect((lightObject["logits"] as? [[Double]])?.first?.count == 300 && lightObject["gradients"] == nil)
        let encoded = lightObject["encoded"] as? [[Int]]
        #expect(encoded?.count == 2 && encoded?[1].count == 1, "\(String(describing: encoded))")
        #expect((lightObject["rendered"] as? [String])?.first?.hasSuffix("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n") == true)
        #expect((lightObject["generate"] as? [[String: Any]])?.map { ($0["ids"] as? [Int])?.count ?? -1 } == [2, 1])
        for (request, field) in [(#"{"input_ids": [[1]], "encode": [3]}"#, "encode[0]"),
                                 (#"{"input_ids": [[1]], "render_chat": [[{"role": "user"}]]}"#, "render_chat[0]"),
                                 (#"{"input_ids": [[1]], "generate": [{"prompt_ids": [1]}]}"#, "generate[0].max_new_tokens")] {
            try cli.write(request, to: "bad.json")
            let bad = try cli.run(["model", "parity-dump", "model", "--tokens", "bad.json", "--out", "x.json"])
            #expect(bad.status == 2 && bad.stderr.contains(field), "\(field): \(bad.stderr)")
        }
    }

    @Test func smokeTrainIsRepeatableAndChangesTheWeights() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try makeModel(cli)
        // Two processes, same kernel family and threads: the same bytes (docs/determinism.md; the
        // thread count is part of the pin because OpenBLAS's threaded sgemm may split the inner
        // dimension differently).
        let arguments = ["model", "smoke-train", "model", "--steps", "2", "--batch", "2", "--seq", "16", "--threads", "2"]
        let first = try cli.run(arguments + ["--out", "a"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("step 2/2 loss"))
        #expect(try cli.run(arguments + ["--out", "b"]).status == 0)
        #expect(try cli.shell("cmp a/model.safetensors b/model.safetensors && echo same").stdout.contains("same"))
        #expect(try cli.shell("cmp -s a/model.safetensors model/model.safetensors || echo differ").stdout.contains("differ"))
    }
}

/// Takes a safetensors file apart and puts it back together, to corrupt it on purpose.
enum SafetensorsBytes {
    static func littleEndian(_ value: UInt64) -> Data {
        withUnsafeBytes(of: value.littleEndian) { Data($0) }
    }

    static func split(_ file: Data) throws -> ([String: Any], Data) {
        let length = file.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        let header = try JSONSerialization.jsonObject(with: file.subdata(in: 8..<(8 + Int(length)))) as! [String: Any]
        return (header, file.subdata(in: (8 + Int(length))..<file.count))
    }

    static func join(_ header: [String: Any], _ data: Data) throws -> Data {
        let json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        return littleEndian(UInt64(json.count)) + json + data
    }

    static func end(_ entry: Any?) -> Int {
        ((entry as? [String: Any])?["data_offsets"] as? [Int])?[1] ?? 0
    }

    /// A well-formed file without `name`: the other tensors' bytes moved up to close the gap.
    static func dropping(_ name: String, header: [String: Any], data: Data) throws -> Data {
        var newHeader: [String: Any] = [:]
        var newData = Data()
        let names = header.keys.filter { $0 != "__metadata__" && $0 != name }.sorted { end(header[$0]) < end(header[$1]) }
        for tensor in names {
            var entry = header[tensor] as! [String: Any]
            let offsets = entry["data_offsets"] as! [Int]
            entry["data_offsets"] = [newData.count, newData.count + offsets[1] - offsets[0]]
            newData.append(data.subdata(in: offsets[0]..<offsets[1]))
            newHeader[tensor] = entry
        }
        if let metadata = header["__metadata__"] { newHeader["__metadata__"] = metadata }
        return try join(newHeader, newData)
    }
}
