// Replays a file of random templates written by scripts/parity/jinja_fuzz.py (with the outputs
// transformers' renderer gave them) when JINJA_FUZZ_FILE names one; skipped otherwise. This is
// how the fixes for float floor division, for-else after continue/break and the other details
// in the feature corpus were found.

import Basics
import Foundation
import Jinja
import Testing

@Suite struct FuzzReplayTests {
    static let file = ProcessInfo.processInfo.environment["JINJA_FUZZ_FILE"]

    @Test(.enabled(if: FuzzReplayTests.file != nil, "set JINJA_FUZZ_FILE to a file written by jinja_fuzz.py"))
    func replaysEveryCase() throws {
        let path = try #require(FuzzReplayTests.file)
        let json = try JSONParser.parse(try String(contentsOfFile: path, encoding: .utf8), options: .python)
        let context = Fixtures.context(json["context"])
        guard case .array(let cases)? = json["cases"] else {
            Issue.record("\(path) has no cases")
            return
        }
        var failures = 0
        for item in cases {
            let template = item["template"]?.stringValue ?? ""
            let options: Template.Options = item["options"]?.stringValue == "jinja" ? .jinjaDefaults : .chatTemplate
            if let difference = compareWithPeer(template: template, options: options, context: context,
                                                environment: Jinja.Environment(), peer: PeerOutcome(item)) {
                failures += 1
                if failures <= 20 { Issue.record("\(template.debugDescription): \(difference)") }
            }
        }
        #expect(failures == 0, "\(failures) of \(cases.count) cases differ from the peer")
    }
}
