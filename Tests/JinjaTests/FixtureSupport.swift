// Reading the fixtures that scripts/parity/chat_template_parity.py writes with transformers'
// renderer: JSON (through Basics' order-keeping parser) turned into template values, and the
// pinned clock the script gave `strftime_now`.

import Basics
import Foundation
import Jinja

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func json(_ name: String) throws -> JSONValue {
        let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        return try JSONParser.parse(text, options: .python)
    }

    /// A JSON value as a template sees the same JSON loaded by Python: integers stay `int`,
    /// numbers with a fraction or an exponent are `float`, objects keep their key order.
    static func value(_ json: JSONValue) -> Value {
        switch json {
        case .null: return .none
        case .bool(let flag): return .bool(flag)
        case .number(let text):
            if !text.contains(where: { ".eEIN".contains($0) }), let integer = Int(text) { return .int(integer) }
            return .float(Double(text) ?? .nan)
        case .string(let text): return .string(text)
        case .array(let items): return .list(items.map(value))
        case .object(let members):
            var dict = Dict()
            for member in members { dict[member.key] = value(member.value) }
            return .dict(dict)
        }
    }

    /// The members of a JSON object as a render context.
    static func context(_ json: JSONValue?) -> [String: Value] {
        guard case .object(let members)? = json else { return [:] }
        var context: [String: Value] = [:]
        for member in members { context[member.key] = value(member.value) }
        return context
    }

    /// The environment the expected files were rendered in: `strftime_now` sees `now` (a local
    /// time in the fixture files), here read as UTC.
    static func environment(now: String) -> Jinja.Environment {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withFullTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        let date = formatter.date(from: now + "Z") ?? Date(timeIntervalSince1970: 0)
        return Jinja.Environment(clock: { date }, timeZone: TimeZone(identifier: "UTC")!)
    }
}

/// One rendering the peer produced: its output, or the exception it raised.
struct PeerOutcome: Sendable {
    var expected: String?
    var errorType: String?
    var errorMessage: String?

    init(_ json: JSONValue) {
        expected = json["expected"]?.stringValue
        errorType = json["error"]?["type"]?.stringValue
        errorMessage = json["error"]?["message"]?.stringValue
    }
}

/// Renders `template` and compares with what the peer did: the same text, or an error where the
/// peer raised one (for `raise_exception`, the same message). Returns a description of the
/// difference, or nil when they agree.
func compareWithPeer(template source: String, options: Template.Options = .chatTemplate, context: [String: Value],
                     environment: Jinja.Environment, peer: PeerOutcome) -> String? {
    let rendered: Result<String, any Error> = Result { try Template(source, options: options).render(context, environment: environment) }
    switch (rendered, peer.expected) {
    case (.success(let text), let expected?):
        return text == expected ? nil : "rendered\n\(text.debugDescription)\nexpected\n\(expected.debugDescription)"
    case (.success(let text), nil):
        return "rendered \(text.debugDescription), but the peer raised \(peer.errorType ?? "?"): \(peer.errorMessage ?? "")"
    case (.failure(let error), let expected?):
        return "failed with \(error), but the peer rendered \(expected.debugDescription)"
    case (.failure(let error), nil):
        if peer.errorType == "TemplateError" {
            // raise_exception: the template's own message must come through unchanged.
            guard let templateError = error as? TemplateError, templateError.kind == .raised, templateError.message == peer.errorMessage else {
                return "failed with \(error), but the peer raised TemplateError: \(peer.errorMessage ?? "")"
            }
        }
        return nil
    }
}
