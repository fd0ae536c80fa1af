import Foundation

/// A validated experiment file: everything `run` needs, with every reference resolved and the
/// steps in the order they run.
public struct ExperimentSpec: Sendable {
    /// The file as the user named it (used in messages).
    public var file: String
    /// The exact text; stored as the run's spec object.
    public var source: String
    public var name: String
    public var description: String?
    public var seeds: [Int]
    public var engine: EngineSettings
    /// `[model.NAME]` tables.
    public var models: [String: SpecValue]
    public var steps: [String: StepSpec]
    /// Step names in dependency order; independent steps keep their file order.
    public var order: [String]
    public var positions: SourcePositionIndex
    /// `run --set` values applied over the file (recorded as the run's `set.KEY` params, so a
    /// replay applies them again).
    public var overrides: [SpecOverride] = []

    /// The steps in dependency order.
    public var orderedSteps: [StepSpec] { order.map { steps[$0]! } }

    /// `names` and every step they depend on, transitively, in dependency order.
    public func closure(of names: [String]) -> [String] {
        var wanted = Set<String>()
        var stack = names
        while let name = stack.popLast() {
            guard wanted.insert(name).inserted, let step = steps[name] else { continue }
            stack.append(contentsOf: step.dependencies)
        }
        return order.filter { wanted.contains($0) }
    }

    /// Steps that take an input from `name`.
    public func dependents(of name: String) -> [String] {
        order.filter { steps[$0]!.dependencies.contains(name) }
    }
}

/// `[engine]`: the environment that can change a result's bits, pinned.
public struct EngineSettings: Sendable, Equatable {
    /// The OpenBLAS kernel family (`haswell`, `skylakex`, …); nil leaves OpenBLAS's own choice.
    public var blas: String?
    public var threads: Int
}

/// One validated step.
public struct StepSpec: Sendable {
    public var name: String
    public var kind: String
    public var params: StepParameters
    public var inputs: [StepInput]
    public var outputs: [OutputDeclaration]
    public var isService: Bool
    public var usesSeed: Bool
    /// Where `[steps.NAME]` is.
    public var position: SourcePosition

    /// Names of the steps this one takes inputs from.
    public var dependencies: [String] {
        var seen = Set<String>()
        return inputs.compactMap { input in
            guard case .step(let step, _) = input.source, seen.insert(step).inserted else { return nil }
            return step
        }
    }

    public func output(_ name: String) -> OutputDeclaration? { outputs.first { $0.name == name } }
}

/// One resolved input of a step.
public struct StepInput: Sendable, Equatable {
    /// Where the input comes from.
    public enum Source: Sendable, Equatable {
        /// Another step's output.
        case step(String, output: String)
        /// A file or directory of the working tree; `path` with variables expanded, relative to
        /// the experiment file's directory (nil when not resolved, e.g. in a replay, which takes
        /// the recorded input from the store).
        case file(reference: String, path: URL?)
    }

    /// The parameter path naming the input (`data`, `data[1]`, `inputs.config`).
    public var name: String
    /// The same, as a path within the step's table.
    public var path: SpecPath
    public var source: Source
    /// True when the source is a service step's endpoint.
    public var isEndpoint: Bool
    public var position: SourcePosition
}
