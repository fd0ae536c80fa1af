import Foundation
import Lineage

/// How `run` should go.
public struct RunOptions: Sendable {
    /// Which steps run even when a cached result exists.
    public enum Force: Sendable, Equatable {
        case none
        case all
        case steps([String])
    }

    /// Overrides the experiment's seeds (one run per seed, all in one group).
    public var seeds: [Int]?
    public var force: Force = .none
    /// Restrict the run to these steps and everything they depend on.
    public var only: [String] = []
    /// Refuse to run from a work tree with uncommitted changes or untracked files.
    public var requireClean = false
    /// The engine/tool version string, part of every key.
    public var engineVersion: String
    /// Where git state is captured (default: the experiment file's directory).
    public var gitDirectory: URL?
    /// Where steps run (default: `<store>/scratch`).
    public var scratchRoot: URL?
    /// Keep each step's scratch directory after it succeeds.
    public var keepScratch = false
    /// The group the runs join (a sweep's runs share one); nil: a new group.
    public var groupID: String?

    public init(engineVersion: String) { self.engineVersion = engineVersion }
}

/// The outcome of one run (one seed).
public struct RunSummary: Sendable, Codable, Equatable {
    public var runID: String
    public var groupID: String
    public var experiment: String
    public var seed: Int
    public var status: RunRecord.Status
    public var seconds: Double
    public var steps: [StepSummary]

    public var executed: Int { steps.filter { $0.status == .succeeded && !$0.isService }.count }
    public var cached: Int { steps.filter { $0.status == .cached }.count }
}

/// What happened to one step of a run.
public struct StepSummary: Sendable, Codable, Equatable {
    public var name: String
    public var kind: String
    public var key: String
    /// `succeeded`, `cached`, `skipped` (a service nothing needed) or `failed`.
    public var status: StepStatus
    /// For cached steps: the run whose result was reused.
    public var cachedFromRun: String?
    public var seconds: Double
    /// Output name → object id.
    public var outputs: [String: String]
    public var isService: Bool
}

/// One step of a dry run's plan.
public struct PlannedStep: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable, Equatable {
        /// A result with this key exists.
        case cached
        /// It will execute.
        case run
        /// Its key depends on outputs of a step that will run: it runs, or is found cached once
        /// those exist.
        case pending
        /// Started only if a step that runs needs it.
        case service
    }
    public var status: Status
    public var name: String
    public var kind: String
    public var key: String?
    public var cachedFromRun: String?
    public var reason: String?
}

/// A dry run's plan for one seed.
public struct PlannedRun: Sendable, Codable, Equatable {
    public var seed: Int
    public var steps: [PlannedStep]
}
