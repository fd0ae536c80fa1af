// A model's own chat template rendered as transformers' `apply_chat_template` renders it (the
// Jinja interpreter of the Jinja module, with transformers' settings): the context holds
// `messages` (role and content), `add_generation_prompt`, and the tokenizer's `bos_token` and
// `eos_token` where it has them. Templates that print today's date (`strftime_now`, as Llama 3.x
// does) see a pinned clock — 26 Jul 2024, the date those templates fall back to — so that a prompt,
// and everything computed from it, is the same on every run.

import Foundation
import Jinja
import Synchronization

enum ChatTemplateRenderer {
    /// 2024-07-26T00:00:00Z.
    static let pinnedDate = Date(timeIntervalSince1970: 1_721_952_000)

    /// Parsed templates by source, so a server parses its model's template once.
    private static let parsed = Mutex<[String: Template]>([:])

    static func template(_ source: String) throws(TokenizerError) -> Template {
        if let cached = parsed.withLock({ $0[source] }) { return cached }
        let template: Template
        do { template = try Template(source) } catch {
            throw .chatTemplate(detail: "\(error)")
        }
        parsed.withLock { cache in
            if cache.count >= 16 { cache.removeAll() }
            cache[source] = template
        }
        return template
    }

    static func render(_ source: String, messages: [ChatMessage], addGenerationPrompt: Bool,
                       bosToken: String?, eosToken: String?) throws(TokenizerError) -> String {
        let template = try template(source)
        var context: [String: Value] = [
            "messages": .list(messages.map { ["role": .string($0.role), "content": .string($0.content)] }),
            "add_generation_prompt": .bool(addGenerationPrompt),
        ]
        if let bosToken { context["bos_token"] = .string(bosToken) }
        if let eosToken { context["eos_token"] = .string(eosToken) }
        let environment = Environment(clock: { pinnedDate }, timeZone: TimeZone(identifier: "UTC")!)
        do { return try template.render(context, environment: environment) } catch {
            throw .chatTemplate(detail: "\(error)")
        }
    }
}
