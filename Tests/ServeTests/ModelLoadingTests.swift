// Loading what the server serves: a Hugging Face directory, a PEFT adapter on top, and the
// errors for directories that cannot be served.

import Basics
import Engine
import Foundation
@testable import Serve
import Testing

@Suite struct ModelLoadingTests {
    /// A PEFT adapter for the tiny model with non-zero B matrices (a fresh adapter's B is zero,
    /// which would change nothing).
    static func writeAdapter(to directory: URL) throws -> [NamedTensor] {
        let model = try loadTinyModel().model
        try model.attachLoRA(LoRAConfig(rank: 4, alpha: 8, targetModules: [.qProj, .vProj, .downProj]), seed: 3)
        var rng = Xoshiro256StarStar(seed: 9)
        let tensors = try model.loraTensors().map { tensor -> NamedTensor in
            guard tensor.name.contains("lora_B") else { return tensor }
            return NamedTensor(name: tensor.name, shape: tensor.shape, values: tensor.values.map { _ in Float(rng.nextNormal() * 0.5) })
        }
        let config = PEFTAdapterConfig(rank: 4, alpha: 8, targetModules: ["down_proj", "q_proj", "v_proj"], baseModelNameOrPath: "tiny")
        try PEFTAdapterDirectory(config: config, tensors: tensors).write(to: directory)
        return tensors
    }

    @Test func servesAPEFTAdapterOnTopOfTheBase() async throws {
        let adapterDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("iopo-serve-adapter-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: adapterDirectory) }
        let tensors = try Self.writeAdapter(to: adapterDirectory)
        let body = #"{"prompt": "Adapters", "max_tokens": 20, "temperature": 0, "ignore_eos": true}"#
        let base = try await withServer { try choiceText(try await post($0, "/v1/completions", body).json()) }
        let adapted = try await OpenAIServer.start(modelDirectory: tinyModelDirectory, adapter: adapterDirectory, name: "tiny")
        let adaptedText = try choiceText(try await post(adapted, "/v1/completions", body).json())
        await adapted.stop()
        #expect(adaptedText != base)
        // Exactly what the engine generates with the same adapter loaded.
        let model = try loadTinyModel()
        try model.model.loadLoRA(LoRAConfig(rank: 4, alpha: 8, targetModules: [.qProj, .vProj, .downProj]), tensors: tensors)
        let direct = try Generator(model: model.model).generate(prompt: model.tokenizer.encode("Adapters").map { Int32($0) }, maxNewTokens: 20)
        #expect(adaptedText == model.tokenizer.decode(direct.tokens.map(Int.init), skipSpecialTokens: true))
    }

    @Test func stopTokensComeFromTheGenerationConfigAndTheChatTokens() throws {
        let model = try loadTinyModel()
        let expected = ["<|endoftext|>", "<|im_end|>"].compactMap { model.tokenizer.id(of: $0) }.map { Int32($0) }.sorted()
        #expect(model.stopTokenIds == expected)
        #expect(model.contextLength == 2048)
    }

    @Test func directoriesThatCannotBeServedAreRefusedWithTheirPath() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("iopo-serve-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect {
            _ = try ServedModel.load(directory: empty)
        } throws: { error in
            guard case ServeError.modelDirectory(let path, _) = error else { return false }
            return path == empty.path
        }
        // Weights without a tokenizer.
        let noTokenizer = empty.appendingPathComponent("no-tokenizer")
        try FileManager.default.createDirectory(at: noTokenizer, withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(at: tinyModelDirectory.appendingPathComponent(name), to: noTokenizer.appendingPathComponent(name))
        }
        #expect(throws: ServeError.missingTokenizer(path: noTokenizer.path)) { _ = try ServedModel.load(directory: noTokenizer) }
        // A missing adapter directory.
        #expect {
            _ = try ServedModel.load(directory: tinyModelDirectory, adapter: empty.appendingPathComponent("nope"))
        } throws: { error in
            if case ServeError.adapter = error { return true }
            return false
        }
    }

    @Test func badSettingsAreRefusedBeforeBinding() async throws {
        await #expect(throws: ServeError.invalidSetting(field: "max-batch", detail: "0 is not in 1...256")) {
            _ = try await OpenAIServer.start(model: loadTinyModel(), configuration: ServeConfiguration(maxBatch: 0))
        }
        // A port already in use.
        try await withServer { server in
            await #expect {
                _ = try await OpenAIServer.start(model: loadTinyModel(), configuration: ServeConfiguration(port: server.port))
            } throws: { error in
                if case ServeError.bindFailed(_, let port, _) = error { return port == server.port }
                return false
            }
        }
    }
}
