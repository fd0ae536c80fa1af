/// The step kinds an experiment file may use, by name. The CLI builds one with every kind the
/// binary has; tests add their own.
public struct StepRegistry: Sendable {
    public private(set) var executors: [String: any StepExecutor] = [:]

    public init(_ executors: [any StepExecutor] = []) {
        for executor in executors { register(executor) }
    }

    /// Adds (or replaces) a kind.
    public mutating func register(_ executor: any StepExecutor) {
        executors[executor.kind] = executor
    }

    public func executor(for kind: String) -> (any StepExecutor)? { executors[kind] }

    public var kinds: [String] { executors.keys.sorted() }

    /// The kinds this module implements itself: `command` and `table`.
    public static var standard: StepRegistry { StepRegistry([CommandExecutor(), TableExecutor(), DataExecutor(), TrainExecutor(), ServeExecutor(), EvalExecutor()]) }
}
