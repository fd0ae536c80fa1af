import Basics
import Foundation
import Testing

/// One description of a decoding error for every reader of a JSON file: the field path and
/// what was wrong.
@Suite struct DecodingErrorDescriptionTests {
    struct Step: Decodable { var key: String; var size: Int }
    struct Run: Decodable { var steps: [Step] }

    func described(_ json: String) -> String {
        do {
            _ = try JSONDecoder().decode(Run.self, from: Data(json.utf8))
            return "decoded"
        } catch { return DecodingError.describe(error) }
    }

    @Test func namesTheFieldPathAndTheProblem() {
        #expect(described(#"{"steps": [{"key": "a", "size": 1}, {"size": 2}]}"#) == #"field steps[1]: missing field "key""#)
        #expect(described(#"{"steps": [{"key": "a", "size": "big"}]}"#).hasPrefix("field steps[0].size: "))
        #expect(described(#"{}"#) == #"missing field "steps""#)
        #expect(described("[1, 2").hasPrefix("the top level: "))
    }

    @Test func otherErrorsDescribeThemselves() {
        struct Other: Error, CustomStringConvertible { var description: String { "disk on fire" } }
        #expect(DecodingError.describe(Other()) == "disk on fire")
    }
}
