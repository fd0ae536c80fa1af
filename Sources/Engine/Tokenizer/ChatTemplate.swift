// Qwen2's chat format (ChatML): the Jinja template that `transformers` runs from
// tokenizer_config.json, and the one the engine's own models carry. It is rendered like any
// model's template, by ChatTemplateRenderer.swift; the parity script checks the rendering
// against `apply_chat_template`.
//
//   <|im_start|>system\n{content}<|im_end|>\n<|im_start|>user\n{content}<|im_end|>\n
//   <|im_start|>assistant\n
//
// When the first message is not a system message, Qwen2-Instruct's template inserts the default
// system prompt "You are a helpful assistant." (the one TRACE uses as well).

/// A chat message: a role (`system`, `user`, `assistant`) and its text.
public struct ChatMessage: Sendable, Equatable, Hashable, Codable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Qwen2's chat format.
public enum ChatTemplate {
    /// The system prompt inserted when a conversation does not start with one.
    public static let defaultSystemPrompt = "You are a helpful assistant."

    /// Qwen2-7B-Instruct's `chat_template`, verbatim.
    public static let qwen2 = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
}
