/// A step's normalised parameters as its executor sees them: defaults filled in, numbers
/// unified, model names replaced by the model's table. Typed accessors throw `StepFailure`
/// naming the parameter (they cannot fail for parameters the schema declared and the parser
/// checked; they exist so executors never force-unwrap).
public struct StepParameters: Sendable, Equatable {
    public var values: [String: SpecValue]

    public init(_ values: [String: SpecValue]) { self.values = values }

    public subscript(name: String) -> SpecValue? { values[name] }

    public func string(_ name: String) throws -> String {
        guard let s = values[name]?.stringValue else { throw StepFailure.parameter(name, "expected a string") }
        return s
    }

    public func int(_ name: String) throws -> Int {
        guard let i = values[name]?.intValue else { throw StepFailure.parameter(name, "expected an integer") }
        return i
    }

    public func double(_ name: String) throws -> Double {
        guard let d = values[name]?.doubleValue else { throw StepFailure.parameter(name, "expected a number") }
        return d
    }

    public func bool(_ name: String) throws -> Bool {
        guard let b = values[name]?.boolValue else { throw StepFailure.parameter(name, "expected a boolean") }
        return b
    }

    public func strings(_ name: String) throws -> [String] {
        guard let items = values[name]?.arrayValue else { throw StepFailure.parameter(name, "expected an array of strings") }
        return try items.map { item in
            guard let s = item.stringValue else { throw StepFailure.parameter(name, "expected an array of strings") }
            return s
        }
    }

    public func table(_ name: String) throws -> [String: SpecValue] {
        guard let t = values[name]?.tableValue else { throw StepFailure.parameter(name, "expected a table") }
        return t
    }

    /// The parameters as one table value (for hashing and recording).
    public var asValue: SpecValue { .table(values) }
}
