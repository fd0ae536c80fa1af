import Basics
import Foundation

/// The published output ids of an experiment, per seed and step: `experiments/NAME.lock` beside
/// `experiments/NAME.toml`. A run of the experiment on another machine that gets the same ids
/// reproduced the published bits; `run` compares against the lock when one is present (see
/// docs/determinism.md for the machines expected to match).
///
/// The file is JSON, keys sorted, two-space indented:
///
///     {
///       "engine": {"blas": "haswell", "threads": 1},
///       "experiment": "iopo_tiny",
///       "format": 1,
///       "seeds": {"1": {"data": {"train": "sha256:…", …}, "sft": {"model": "sha256:…"}, …}}
///     }
///
/// Services have no outputs and are not listed; every other step of the run is, with every
/// declared output.
public struct OutputLock: Sendable, Equatable {
    public static let format = 1

    public var experiment: String
    /// The kernel family and thread count the ids were made with (`blas` nil: OpenBLAS's choice).
    public var blas: String?
    public var threads: Int
    /// Seed → step → output → object id.
    public var seeds: [Int: [String: [String: String]]]

    public init(experiment: String, blas: String?, threads: Int, seeds: [Int: [String: [String: String]]]) {
        self.experiment = experiment
        self.blas = blas
        self.threads = threads
        self.seeds = seeds
    }

    /// The lock of finished runs (one per seed) of `spec`.
    public init(spec: ExperimentSpec, runs: [RunSummary]) {
        var seeds: [Int: [String: [String: String]]] = [:]
        for run in runs {
            seeds[run.seed] = Dictionary(uniqueKeysWithValues: run.steps.filter { !$0.isService }.map { ($0.name, $0.outputs) })
        }
        self.init(experiment: spec.name, blas: spec.engine.blas, threads: spec.engine.threads, seeds: seeds)
    }

    /// `experiments/x.toml` → `experiments/x.lock`.
    /// The path keeps the form the user gave (relative stays relative), so messages name the
    /// lock as they typed its experiment.
    public static func path(forExperiment file: String) -> String {
        (file.hasSuffix(".toml") ? String(file.dropLast(".toml".count)) : file) + ".lock"
    }

    // MARK: Comparing

    /// One way a run differs from the lock.
    public struct Difference: Sendable, Equatable, Codable, CustomStringConvertible {
        public enum Kind: String, Sendable, Codable {
            /// An output whose id differs (or that only one side has).
            case output
            /// A step the run produced that the lock does not list.
            case stepNotLocked
            /// A step the lock lists that the run did not produce.
            case stepNotProduced
        }

        public var kind: Kind
        public var seed: Int
        public var step: String
        /// For `.output`: the output's name.
        public var output: String?
        public var locked: String?
        public var produced: String?

        public var description: String {
            let place = "seed \(seed), step \(step)"
            switch kind {
            case .stepNotLocked: return "\(place): not in the lock"
            case .stepNotProduced: return "\(place): in the lock, not produced by this run"
            case .output: return "\(place), output \(output ?? "?"): locked \(locked ?? "(none)"), produced \(produced ?? "(none)")"
            }
        }
    }

    /// Every difference between `runs` and the lock. Steps the run did not include (`run --only`)
    /// are not differences when `onlySomeSteps`; a seed the lock lacks is one difference per step.
    public func differences(from runs: [RunSummary], onlySomeSteps: Bool = false) -> [Difference] {
        var found: [Difference] = []
        for run in runs.sorted(by: { $0.seed < $1.seed }) {
            let produced = Dictionary(uniqueKeysWithValues: run.steps.filter { !$0.isService }.map { ($0.name, $0.outputs) })
            let locked = seeds[run.seed] ?? [:]
            let names = Set(produced.keys).union(onlySomeSteps ? [] : Set(locked.keys))
            for step in names.sorted() {
                guard let lockedOutputs = locked[step] else {
                    found.append(Difference(kind: .stepNotLocked, seed: run.seed, step: step))
                    continue
                }
                guard let producedOutputs = produced[step] else {
                    found.append(Difference(kind: .stepNotProduced, seed: run.seed, step: step))
                    continue
                }
                for output in Set(lockedOutputs.keys).union(producedOutputs.keys).sorted() where lockedOutputs[output] != producedOutputs[output] {
                    found.append(Difference(kind: .output, seed: run.seed, step: step, output: output,
                                            locked: lockedOutputs[output], produced: producedOutputs[output]))
                }
            }
        }
        return found
    }

    // MARK: The file

    public var json: JSONValue {
        let seedMembers = seeds.map { seed, steps in
            JSONMember(String(seed), .object(steps.mapValues { outputs in .object(outputs.mapValues { .string($0) }) }))
        }
        return .object([
            "format": .int(OutputLock.format),
            "experiment": .string(experiment),
            "engine": .object(["blas": blas.map { .string($0) } ?? .null, "threads": .int(threads)]),
            "seeds": .object(seedMembers),
        ])
    }

    /// The file's bytes: the same lock always gives the same bytes.
    public var text: String { JSONWriter.canonicalIndented.string(json) }

    /// Writes the lock atomically (a reader sees the old file or the new one).
    public func write(to path: String) throws {
        do {
            try AtomicFile.write(Array(text.utf8), to: path)
        } catch {
            throw PipelineError.invalidRequest("cannot write the lock file \(path): \(error)")
        }
    }

    /// Reads a lock file; errors name the file and the line or field at fault.
    public static func read(from path: String) throws -> OutputLock {
        let bytes: Data
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw PipelineError.invalidRequest("cannot read the lock file \(path): \(error.localizedDescription)")
        }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes: Array(bytes)) } catch {
            throw PipelineError.invalidRequest("\(path): not a lock file: \(error)")
        }
        func bad(_ field: String, _ expected: String) -> PipelineError {
            PipelineError.invalidRequest("\(path): field \(field) must be \(expected)")
        }
        guard let root = value.objectValue else { throw bad("(top level)", "an object") }
        guard root["format"]?.intValue == OutputLock.format else {
            throw bad("format", "\(OutputLock.format) (this lock was written by another version of iopo-exp; rewrite it with run --write-lock)")
        }
        guard let experiment = root["experiment"]?.stringValue else { throw bad("experiment", "a string") }
        guard let engine = root["engine"]?.objectValue, let threads = engine["threads"]?.intValue else { throw bad("engine.threads", "an integer") }
        let blas: String?
        switch engine["blas"] {
        case .string(let name)?: blas = name
        case .null?, nil: blas = nil
        default: throw bad("engine.blas", "a string or null")
        }
        guard let seedObject = root["seeds"]?.objectValue else { throw bad("seeds", "an object") }
        var seeds: [Int: [String: [String: String]]] = [:]
        for (seedText, stepsValue) in seedObject {
            guard let seed = Int(seedText), let steps = stepsValue.objectValue else { throw bad("seeds.\(seedText)", "an object keyed by a seed number") }
            var stepOutputs: [String: [String: String]] = [:]
            for (step, outputsValue) in steps {
                guard let outputs = outputsValue.objectValue else { throw bad("seeds.\(seedText).\(step)", "an object of output ids") }
                var ids: [String: String] = [:]
                for (output, id) in outputs {
                    guard let text = id.stringValue, text.hasPrefix("sha256:") else { throw bad("seeds.\(seedText).\(step).\(output)", "an object id (sha256:…)") }
                    ids[output] = text
                }
                stepOutputs[step] = ids
            }
            seeds[seed] = stepOutputs
        }
        return OutputLock(experiment: experiment, blas: blas, threads: threads, seeds: seeds)
    }
}
