import Jinja
import Testing

@Suite struct SmokeTests {
    @Test func rendersText() throws {
        #expect(try Template("Hello {{ name }}!").render(["name": "world"]) == "Hello world!")
    }
}
