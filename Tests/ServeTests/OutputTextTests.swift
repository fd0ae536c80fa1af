// Incremental detokenization and stop strings, token by token.

import Engine
@testable import Serve
import Testing

@Suite struct OutputTextTests {
    static let tokenizer = try! DemoModel.tokenizer(vocabularySize: 400)

    /// The byte tokens (ids of single bytes) spelling `text`, one token per byte, so every
    /// multi-byte character arrives split across tokens.
    static func byteTokens(_ text: String) -> [Int32] {
        text.utf8.map { byte in
            let id = (0..<tokenizer.vocabularySize).first { tokenizer.bytes(of: $0) == [byte] && !tokenizer.isSpecial($0) }!
            return Int32(id)
        }
    }

    @Test func charactersSplitAcrossTokensComeOutWhole() {
        var output = OutputText(tokenizer: Self.tokenizer, stopStrings: [])
        var pieces: [String] = []
        for token in Self.byteTokens("a中b😀") { pieces.append(output.append(token)) }
        pieces.append(output.finish())
        #expect(pieces.joined() == "a中b😀")
        // Nothing is sent until a character is complete: 中 is 3 bytes, 😀 is 4.
        #expect(pieces == ["a", "", "", "中", "b", "", "", "", "😀", ""])
        #expect(output.text == "a中b😀")
    }

    @Test func anUnfinishedCharacterAtTheEndBecomesAReplacement() {
        var output = OutputText(tokenizer: Self.tokenizer, stopStrings: [])
        let tokens = Self.byteTokens("x中")
        var sent = ""
        for token in tokens.dropLast() { sent += output.append(token) }
        #expect(sent == "x")
        #expect(output.finish() == "\u{FFFD}")
        #expect(output.text == "x\u{FFFD}")
    }

    @Test func stopStringIsHeldBackAndLeftOut() {
        var output = OutputText(tokenizer: Self.tokenizer, stopStrings: ["END", "xyz"])
        var sent = ""
        for token in Self.byteTokens("abcENxEND tail") {
            sent += output.append(token)
            if output.matchedStop != nil { break }
        }
        sent += output.finish()
        #expect(sent == "abcENx")
        #expect(output.text == "abcENx")
        #expect(output.matchedStop == "END")
    }

    @Test func whileStreamingNoPrefixOfAStopStringLeaks() {
        var output = OutputText(tokenizer: Self.tokenizer, stopStrings: ["STOP"])
        var sent: [String] = []
        for token in Self.byteTokens("aSTO") { sent.append(output.append(token)) }
        // "STO" could still become "STOP": held back (3 = len - 1 bytes).
        #expect(sent.joined() == "a")
        #expect(output.finish() == "STO")
    }

    @Test func specialTokensAreNotText() throws {
        var output = OutputText(tokenizer: Self.tokenizer, stopStrings: [])
        let special = try #require(Self.tokenizer.id(of: "<|im_start|>"))
        #expect(output.append(Int32(special)) == "")
        #expect(output.append(Self.byteTokens("q")[0]) == "q")
    }
}
