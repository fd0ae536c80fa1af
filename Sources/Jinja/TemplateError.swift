// The one error type of the Jinja module. Every error names where in the template it happened,
// so a user whose model ships an unusual chat template can find the construct that failed.

/// A template that could not be read or rendered.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for callers that map errors to exit codes or HTTP statuses.
    public enum Kind: Sendable, Equatable {
        /// The template text is not valid Jinja (an unclosed tag, an unexpected token).
        case syntax
        /// Valid Jinja that this interpreter does not implement (`extends`, `include`, a filter
        /// it lacks, ...).
        case unsupported
        /// An undefined value was used where Jinja's default `Undefined` refuses (an attribute
        /// of it, arithmetic with it).
        case undefined
        /// An operation on values of the wrong type (`1 + 'a'`, iterating over a number).
        case type
        /// The template called `raise_exception(message)`: `message` is the template's own text.
        case raised
    }

    public var kind: Kind
    public var message: String
    /// Where the failing construct starts; nil when the error is not tied to one place.
    public var location: SourceLocation?

    public init(_ kind: Kind, _ message: String, at location: SourceLocation? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
    }

    public var description: String {
        let place = location.map { "template \($0): " } ?? "template: "
        switch kind {
        case .syntax: return place + "syntax error: " + message
        case .unsupported: return place + "unsupported: " + message
        case .undefined, .type: return place + message
        case .raised: return place + "the template raised an exception: " + message
        }
    }

    /// This error, placed at `location` unless it already has a place.
    func located(at location: SourceLocation) -> TemplateError {
        var copy = self
        if copy.location == nil { copy.location = location }
        return copy
    }
}
