// One small template per Jinja feature (Fixtures/feature_cases.json), each rendered here and by
// transformers' renderer (Fixtures/feature_cases.expected.json): whitespace rules, literals and
// printing, operators, statements, tests, filters, methods, globals, and the errors the peer
// raises.

import Basics
import Jinja
import Testing

struct FeatureCase: Sendable, CustomTestStringConvertible {
    var name: String
    var template: String
    var options: Template.Options
    var context: [String: Value]
    var peer: PeerOutcome
    var now: String

    var testDescription: String { name }

    static func all() throws -> [FeatureCase] {
        let inputs = try Fixtures.json("feature_cases.json")
        let expected = try Fixtures.json("feature_cases.expected.json")
        let now = expected["now"]?.stringValue ?? ""
        guard case .array(let cases)? = inputs["cases"], case .array(let outcomes)? = expected["cases"] else { return [] }
        let shared = Fixtures.context(inputs["context"])
        var peers: [String: PeerOutcome] = [:]
        for outcome in outcomes { peers[outcome["name"]?.stringValue ?? ""] = PeerOutcome(outcome) }
        return cases.map { json in
            let name = json["name"]?.stringValue ?? ""
            var context = shared
            context.merge(Fixtures.context(json["context"])) { $1 }
            return FeatureCase(name: name, template: json["template"]?.stringValue ?? "",
                               options: json["options"]?.stringValue == "jinja" ? .jinjaDefaults : .chatTemplate,
                               context: context, peer: peers[name] ?? PeerOutcome(.null), now: now)
        }
    }
}

@Suite struct FeatureParityTests {
    @Test func everyCaseHasAPeerResult() throws {
        let cases = try FeatureCase.all()
        #expect(cases.count > 150)
        for item in cases { #expect(item.peer.expected != nil || item.peer.errorType != nil, "\(item.name) has no peer result") }
    }

    @Test(arguments: try FeatureCase.all())
    func rendersAsTransformers(_ item: FeatureCase) {
        let difference = compareWithPeer(template: item.template, options: item.options, context: item.context,
                                         environment: Fixtures.environment(now: item.now), peer: item.peer)
        #expect(difference == nil, "\(item.name): \(difference ?? "")")
    }
}
