// Real models' chat templates (Fixtures/chat_templates.json: SmolLM2, Qwen2, Qwen2.5 with tools,
// Llama 3 / 3.1 / 3.2, Mistral, Mistral-Nemo, Gemma, Phi-3, DeepSeek) rendered against every
// conversation of Fixtures/conversations.json, with and without the generation prompt, must give
// exactly what transformers' `render_jinja_template` gave (Fixtures/chat_templates.expected.json),
// including refusing where the template raises.

import Basics
import Jinja
import Testing

struct ChatTemplateCase: Sendable, CustomTestStringConvertible {
    var template: String
    var conversation: String
    var addGenerationPrompt: Bool
    var source: String
    var context: [String: Value]
    var peer: PeerOutcome
    var now: String

    var testDescription: String { "\(template) × \(conversation)\(addGenerationPrompt ? " + generation prompt" : "")" }

    static func all(templates templatesFile: String = "chat_templates.json",
                    expected expectedFile: String = "chat_templates.expected.json") throws -> [ChatTemplateCase] {
        let templates = try Fixtures.json(templatesFile)
        let expected = try Fixtures.json(expectedFile)
        let now = expected["now"]?.stringValue ?? ""
        guard case .array(let cases)? = expected["cases"] else { return [] }
        return cases.map { json in
            let name = json["template"]?.stringValue ?? ""
            return ChatTemplateCase(template: name, conversation: json["conversation"]?.stringValue ?? "",
                                    addGenerationPrompt: json["add_generation_prompt"]?.boolValue ?? false,
                                    source: templates[name]?["template"]?.stringValue ?? "",
                                    context: Fixtures.context(json["context"]), peer: PeerOutcome(json), now: now)
        }
    }
}

@Suite struct ChatTemplateParityTests {
    @Test func coversTheRequiredModelsAndConversations() throws {
        let cases = try ChatTemplateCase.all()
        let templates = Set(cases.map(\.template))
        for name in ["smollm2", "qwen2", "qwen2.5", "llama3", "llama3.1", "llama3.2-vision", "mistral", "gemma", "phi3", "deepseek-r1"] {
            #expect(templates.contains(name), "no cases for \(name)")
        }
        #expect(cases.contains { $0.conversation == "system_user" && $0.addGenerationPrompt && $0.peer.expected != nil })
        #expect(cases.contains { $0.conversation == "multi_turn" && !$0.addGenerationPrompt && $0.peer.expected != nil })
        #expect(cases.contains { $0.template == "qwen2.5" && $0.conversation == "tool_calls" && $0.peer.expected != nil })
    }

    @Test(arguments: try ChatTemplateCase.all())
    func rendersAsTransformers(_ item: ChatTemplateCase) {
        let difference = compareWithPeer(template: item.source, context: item.context,
                                         environment: Fixtures.environment(now: item.now), peer: item.peer)
        #expect(difference == nil, "\(item.testDescription): \(difference ?? "")")
    }
}

/// The 70 chat templates of llama.cpp's `models/templates` (Llama 3.2/3.3, Phi-3.5, Gemma 2 and 4,
/// Granite, gpt-oss, Kimi, GLM, DeepSeek V3, Hermes, functionary, ...), each with one user turn,
/// a system + multi-turn chat and a tool-calling chat, rendered by transformers.
@Suite struct LlamaCppTemplateParityTests {
    @Test(arguments: try ChatTemplateCase.all(templates: "llamacpp_templates.json", expected: "llamacpp_templates.expected.json"))
    func rendersAsTransformers(_ item: ChatTemplateCase) {
        let difference = compareWithPeer(template: item.source, context: item.context,
                                         environment: Fixtures.environment(now: item.now), peer: item.peer)
        #expect(difference == nil, "\(item.testDescription): \(difference ?? "")")
    }
}

/// The templates and contexts of huggingface.js' jinja end-to-end tests (45 models' templates:
/// tool use, vision content, reasoning), rendered by transformers' renderer.
struct HubTemplateCase: Sendable, CustomTestStringConvertible {
    var name: String
    var source: String
    var context: [String: Value]
    var peer: PeerOutcome
    var now: String

    var testDescription: String { name }

    static func all() throws -> [HubTemplateCase] {
        let inputs = try Fixtures.json("hfjs_templates.json")
        let expected = try Fixtures.json("hfjs_templates.expected.json")
        let now = expected["now"]?.stringValue ?? ""
        guard case .array(let cases)? = expected["cases"] else { return [] }
        return cases.map { json in
            let name = json["name"]?.stringValue ?? ""
            return HubTemplateCase(name: name, source: inputs[name]?["chat_template"]?.stringValue ?? "",
                                   context: Fixtures.context(inputs[name]?["data"]), peer: PeerOutcome(json), now: now)
        }
    }
}

@Suite struct HubTemplateParityTests {
    @Test(arguments: try HubTemplateCase.all())
    func rendersAsTransformers(_ item: HubTemplateCase) {
        let difference = compareWithPeer(template: item.source, context: item.context,
                                         environment: Fixtures.environment(now: item.now), peer: item.peer)
        #expect(difference == nil, "\(item.name): \(difference ?? "")")
    }
}
