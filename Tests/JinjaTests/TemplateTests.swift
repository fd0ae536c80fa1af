// The public API: contexts built from Swift literals, options, the environment's clock behind
// `strftime_now`, custom globals, and one parsed template rendered from many tasks at once.

import Foundation
import Jinja
import Testing

@Suite struct TemplateTests {
    static let smolLM2 = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

    @Test func rendersAChatFromSwiftLiterals() throws {
        let template = try Template(TemplateTests.smolLM2)
        let prompt = try template.render(["messages": [["role": "user", "content": "Write a haiku about the sea."]], "add_generation_prompt": true])
        #expect(prompt == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nWrite a haiku about the sea.<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func chatTemplateOptionsTrimAndStripBlocksJinjaDefaultsDoNot() throws {
        let source = "<s>\n  {% if true %}\n  x\n  {% endif %}\n</s>"
        #expect(try Template(source).render([:]) == "<s>\n  x\n</s>")
        #expect(try Template(source, options: .jinjaDefaults).render([:]) == "<s>\n  \n  x\n  \n</s>")
        #expect(try Template("a\n", options: Template.Options(trimBlocks: true, lstripBlocks: true, keepTrailingNewline: true)).render([:]) == "a\n")
    }

    @Test func strftimeNowReadsTheEnvironmentsClock() throws {
        let utc = try #require(TimeZone(identifier: "UTC"))
        let morning = Jinja.Environment(clock: { Date(timeIntervalSince1970: 1_721_989_805) }, timeZone: utc)  // 2024-07-26 10:30:05
        let template = try Template("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A %B %-d %H:%M:%S %p %I %j %y %a %e %w %u %F %T %D %%') }}")
        #expect(try template.render([:], environment: morning) == "26 Jul 2024|Friday July 26 10:30:05 AM 10 208 24 Fri 26 5 5 2024-07-26 10:30:05 07/26/24 %")
        let evening = Jinja.Environment(clock: { Date(timeIntervalSince1970: 1_704_488_580) }, timeZone: utc)  // 2024-01-05 21:03:00
        #expect(try Template("{{ strftime_now('%A %B %-d %H:%M:%S %p %I %j %y %a %e %w %u') }}").render([:], environment: evening)
                == "Friday January 5 21:03:00 PM 09 005 24 Fri  5 5 5")
        #expect(throws: TemplateError.self) { try Template("{{ strftime_now('%Q') }}").render([:], environment: morning) }
    }

    @Test func customGlobalsAreCallable() throws {
        let shout = Callable(name: "shout") { arguments in .string((arguments.positional.first?.pythonString ?? "").uppercased() + "!") }
        let environment = Jinja.Environment(globals: ["shout": .callable(shout), "model": "SmolLM2"])
        #expect(try Template("{{ shout(model) }}").render([:], environment: environment) == "SMOLLM2!")
    }

    @Test func theContextShadowsGlobals() throws {
        #expect(try Template("{{ range }}").render(["range": "mine"]) == "mine")
    }

    @Test func oneTemplateRendersConcurrently() async throws {
        let template = try Template(TemplateTests.smolLM2)
        let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<16 {
                group.addTask {
                    let text = try template.render(["messages": [["role": "user", "content": .string("question \(index)")]], "add_generation_prompt": false])
                    return (index, text)
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for index in 0..<16 { #expect(results[index]?.contains("question \(index)<|im_end|>") == true) }
    }
}
