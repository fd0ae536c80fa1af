// Qwen2's chat format (ChatML), as a Swift function and as the Jinja template that
// `transformers` runs from tokenizer_config.json. Both must render the same text for the same
// messages; the parity script checks that with `apply_chat_template`.
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

/// Renders conversations in Qwen2's chat format.
public enum ChatTemplate {
    /// The system prompt inserted when a conversation does not start with one.
    public static let defaultSystemPrompt = "You are a helpful assistant."

    /// Qwen2-7B-Instruct's `chat_template`, verbatim.
    public static let qwen2 = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

    /// The text `qwen2` renders for `messages`; with `addGenerationPrompt`, followed by the
    /// opening of the assistant's turn so a model continues as the assistant.
    public static func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var text = ""
        for (index, message) in messages.enumerated() {
            if index == 0 && message.role != "system" {
                text += "<|im_start|>system\n\(defaultSystemPrompt)<|im_end|>\n"
            }
            text += "<|im_start|>\(message.role)\n\(message.content)<|im_end|>\n"
        }
        if addGenerationPrompt { text += "<|im_start|>assistant\n" }
        return text
    }
}
