import Foundation
import Serve

/// `kind = "serve"`: serves a trained model behind the OpenAI-compatible API, in-process, on a
/// free loopback port. A service: never cached or stored; started only when a dependent `eval`
/// must run and stopped after its last dependent. Dependents' keys name the served model's id,
/// never the URL. The model is served under the name `model` (or `name`).
public struct ServeExecutor: StepExecutor {
    public init() {}

    public let kind = "serve"
    public let summary = "Serve a model directory behind the OpenAI-compatible API for the steps that use it."
    public var isService: Bool { true }

    public var schema: ParameterSchema {
        ParameterSchema([
            .required("model", .input, "A Hugging Face model directory (\"iopo.model\")."),
            .optional("adapter", .input, "A PEFT adapter to apply on top."),
            .optional("name", .string, default: .string("model"), "The model name clients request."),
            .optional("max_batch", .integer, default: .integer(4), "Requests generated concurrently."),
        ])
    }

    public func outputs(for params: StepParameters) throws -> [OutputDeclaration] {
        [OutputDeclaration("endpoint", .endpoint, "OpenAI-compatible base URL (…/v1)")]
    }

    public func usesSeed(_ params: StepParameters) -> Bool { false }

    public func execute(_ context: StepContext) throws -> StepResult {
        guard let modelURL = try context.input("model").url else { throw StepFailure.invalidInput("model", reason: "expected a model directory") }
        let adapterURL = context.inputs["adapter"]?.url
        let name = try context.params.string("name")
        let configuration = ServeConfiguration(host: "127.0.0.1", port: 0, maxBatch: try context.params.int("max_batch"))
        let server = try AsyncBridge.wait {
            try await OpenAIServer.start(modelDirectory: modelURL, adapter: adapterURL, name: name, configuration: configuration)
        }
        context.progress.log("serving \(name) at \(server.baseURL)")
        let endpoint = LiveEndpoint(url: server.baseURL) {
            _ = try? AsyncBridge.wait { await server.stop() }
        }
        return StepResult(endpoints: ["endpoint": endpoint])
    }
}
