import Basics
import Foundation
import GRDB
import Store

/// A portable copy of recorded runs: their lineage rows and the store objects they name, except
/// those the exporter leaves out (model weights), which the bundle lists with the reason. A
/// bundle is a directory: `bundle.json` (this value) and `objects/<hex>`, each object's file as
/// the store keeps it. Importing it into another store gives runs that `show`, `diff`, `table`,
/// `report` and `replay --check` read as if they had run there.
public struct RunBundle: Codable, Sendable {
    public static let formatName = "iopo-exp run bundle"
    public static let currentVersion = 1
    public static let fileName = "bundle.json"
    public static let objectsDirectory = "objects"

    public var format: String
    public var version: Int
    /// The tool that wrote it (`iopo-exp --version`).
    public var writer: String
    public var runs: [RunDetails]
    /// Every object the bundle carries, by id: the runs' artifacts and what their manifests and
    /// chunk lists reach.
    public var objects: [CarriedObject]
    /// Objects the runs name that the bundle does not carry, and why.
    public var absent: [AbsentObject]

    public struct CarriedObject: Codable, Sendable, Equatable {
        public var id: String
        public var kind: String
        /// Bytes of its file in `objects/`.
        public var fileBytes: Int
    }

    public struct AbsentObject: Codable, Sendable, Equatable {
        public var id: String
        /// The artifact's name where a step recorded it (`model`, `checkpoint`).
        public var name: String
        public var size: Int
        public var reason: String
    }

    /// The bundle's JSON: keys sorted and dates to the millisecond (what the database keeps), so
    /// exporting the same runs twice writes the same bytes.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RunBundle.format(date))
        }
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RunBundle.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text)\" is not an ISO 8601 UTC time with milliseconds")
            }
            return date
        }
        return decoder
    }

    /// `2026-12-07T12:33:09.403Z`: UTC, the millisecond rounded (a formatter truncates, and a
    /// time read back from the database as 09.4029999 would lose a millisecond each trip).
    static func format(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = (milliseconds.floorDivided(by: 1000), milliseconds - milliseconds.floorDivided(by: 1000) * 1000)
        let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle())
        return whole.dropLast() + "." + String(repeating: "0", count: 3 - String(fraction).count) + String(fraction) + "Z"
    }

    /// The time `format` wrote, as the nearest double to its millisecond.
    static func parse(_ text: String) -> Date? {
        guard text.hasSuffix("Z"), let dot = text.lastIndex(of: "."),
              let fraction = Int64(text[text.index(after: dot)..<text.index(before: text.endIndex)]), text.distance(from: dot, to: text.endIndex) == 5,
              let whole = try? Date(String(text[..<dot]) + "Z", strategy: Date.ISO8601FormatStyle()) else { return nil }
        return Date(timeIntervalSince1970: Double(Int64(whole.timeIntervalSince1970) * 1000 + fraction) / 1000)
    }
}

/// What `importRuns` did.
public struct RunImportReport: Codable, Sendable, Equatable {
    public var imported: [String]
    /// Runs the database already had (importing is idempotent).
    public var alreadyPresent: [String]
    /// Objects the store did not have before.
    public var objectsAdded: Int
    public var objectsCarried: Int
    public var absent: Int

    enum CodingKeys: String, CodingKey {
        case imported, absent
        case alreadyPresent = "already_present", objectsAdded = "objects_added", objectsCarried = "objects_carried"
    }
}

extension RunBundle {
    /// Reads a bundle directory (without importing it), checking its format.
    public static func read(at directory: URL) throws -> RunBundle {
        let file = directory.appendingPathComponent(RunBundle.fileName)
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw LineageError.invalidInput("\(file.path): cannot read the bundle (is \(directory.path) a directory written by `iopo-exp export`?)")
        }
        let bundle: RunBundle
        do { bundle = try RunBundle.decoder().decode(RunBundle.self, from: data) } catch let error as DecodingError {
            throw LineageError.invalidInput("\(file.path): \(DecodingError.describe(error))")
        }
        guard bundle.format == RunBundle.formatName else {
            throw LineageError.invalidInput("\(file.path): field \"format\" is \"\(bundle.format)\", not \"\(RunBundle.formatName)\"")
        }
        guard bundle.version == RunBundle.currentVersion else {
            throw LineageError.invalidInput("\(file.path): bundle version \(bundle.version); this build reads version \(RunBundle.currentVersion)")
        }
        return bundle
    }

    /// Why an object recorded as absent in the exporting store (left out by an earlier export,
    /// `reason`) is absent from this bundle too.
    static func absentHereReason(_ reason: String) -> String {
        let prefix = "not in the exporting store: "
        return reason.hasPrefix(prefix) ? reason : prefix + reason
    }
}

extension LineageDatabase {
    /// Writes `runIDs` as a new bundle directory `destination`. `leaveOut` decides, for each
    /// artifact, the name a step recorded it under, and the step of these runs that produced it
    /// (nil for an input from outside them), why it stays out of the bundle, or nil to carry it; an artifact carried for one
    /// run is carried for all. The experiment files and git diffs always go in. The bundle is
    /// written beside `destination` and renamed into place, so a failed export leaves nothing.
    @discardableResult
    public func exportRuns(_ runIDs: [String], to destination: URL, writer: String,
                           leaveOut: (ArtifactRecord, String, StepRecord?) -> String?) throws -> RunBundle {
        let manager = FileManager.default
        guard !manager.fileExists(atPath: destination.path) else {
            throw LineageError.invalidInput("\(destination.path) exists; export writes a new directory")
        }
        let runs = try runIDs.map { try details(of: $0) }
        if let running = runs.first(where: { $0.run.status == .running }) {
            throw LineageError.invalidInput("run \(running.run.id) is still running; export it when it has finished")
        }

        var carried: [String] = []
        var absent: [String: RunBundle.AbsentObject] = [:]
        // Objects an import left out, which a later run here reused by id without their bytes.
        let absentHere = try objectsLeftOut()
        for run in runs {
            carried += [run.run.specObject, run.git?.diffObject].compactMap { $0 }
            var producer: [String: StepRecord] = [:]
            for step in run.steps { for edge in step.outputs { producer[edge.artifact.id] = step.step } }
            for step in run.steps {
                for edge in step.inputs + step.outputs {
                    let artifact = edge.artifact
                    if let reason = leaveOut(artifact, edge.name, producer[artifact.id]) ?? absentHere[artifact.id].map(RunBundle.absentHereReason) {
                        if absent[artifact.id] == nil {
                            absent[artifact.id] = .init(id: artifact.id, name: edge.name, size: artifact.size, reason: reason)
                        }
                    } else {
                        carried.append(artifact.id)
                    }
                }
            }
        }
        let roots = try Set(carried).sorted().map { try ObjectID(parsing: $0) }
        for root in roots { absent[root.description] = nil }
        let reachable = try store.reachableObjects(from: roots).sorted()

        let staging = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).partial-\(getpid())")
        try? manager.removeItem(at: staging)
        let objects = staging.appendingPathComponent(RunBundle.objectsDirectory)
        do {
            try manager.createDirectory(at: objects, withIntermediateDirectories: true)
            var entries: [RunBundle.CarriedObject] = []
            for id in reachable {
                let file: [UInt8]
                do { file = try store.objectFile(id) } catch {
                    throw LineageError.invalidInput("cannot export: \(error) (`iopo-exp store verify --deep` checks the store)")
                }
                try Data(file).write(to: objects.appendingPathComponent(id.hex))
                entries.append(.init(id: id.description, kind: try store.kind(of: id).description, fileBytes: file.count))
            }
            let bundle = RunBundle(format: RunBundle.formatName, version: RunBundle.currentVersion, writer: writer, runs: runs,
                                   objects: entries, absent: absent.values.sorted { $0.id < $1.id })
            try RunBundle.encoder().encode(bundle).write(to: staging.appendingPathComponent(RunBundle.fileName))
            try manager.moveItem(at: staging, to: destination)
            return bundle
        } catch {
            try? manager.removeItem(at: staging)
            throw error
        }
    }

    /// Imports a bundle: its objects into the store (each checked against its id), then every
    /// run the database does not have yet, in one transaction, with the objects the bundle left
    /// out recorded as absent. A bad object or record leaves no run imported.
    @discardableResult
    public func importRuns(from directory: URL) throws -> RunImportReport {
        let bundle = try RunBundle.read(at: directory)
        let objects = directory.appendingPathComponent(RunBundle.objectsDirectory)
        var added = 0
        for entry in bundle.objects {
            let id: ObjectID
            do { id = try ObjectID(parsing: entry.id) } catch {
                throw LineageError.invalidInput("\(directory.appendingPathComponent(RunBundle.fileName).path): objects: \(error)")
            }
            if store.contains(id) { continue }
            let file = objects.appendingPathComponent(id.hex)
            guard let data = FileManager.default.contents(atPath: file.path) else {
                throw LineageError.invalidInput("\(file.path): missing from the bundle (bundle.json lists object \(entry.id))")
            }
            do { try store.putObjectFile(Array(data), id: id) } catch let error as StoreError {
                if case .corruptObject(_, let reason) = error {
                    throw LineageError.invalidInput("\(file.path): not object \(entry.id): \(reason)")
                }
                throw error
            }
            added += 1
        }

        let absent = Dictionary(bundle.absent.map { ($0.id, $0.reason) }, uniquingKeysWith: { a, _ in a })
        let source = "\(directory.standardizedFileURL.lastPathComponent) (\(bundle.writer))"
        var report = RunImportReport(imported: [], alreadyPresent: [], objectsAdded: added, objectsCarried: bundle.objects.count, absent: absent.count)
        try write { db in
            for details in bundle.runs {
                if try RunRecord.fetchOne(db, key: details.run.id) != nil {
                    report.alreadyPresent.append(details.run.id)
                    continue
                }
                try insert(details, absent: absent, source: source, db: db)
                report.imported.append(details.run.id)
            }
        }
        return report
    }

    /// One run's rows, with new row ids for its git snapshot, environment and steps.
    private func insert(_ details: RunDetails, absent: [String: String], source: String, db: Database) throws {
        let runID = details.run.id
        func requireKnown(_ id: String, _ what: String) throws {
            guard let parsed = try? ObjectID(parsing: id) else { throw LineageError.invalidInput("run \(runID): \(what) \"\(id)\" is not an object id") }
            if store.contains(parsed) { return }
            guard let reason = absent[id] else {
                throw LineageError.invalidInput("run \(runID): the bundle neither carries \(what) \(id) nor lists it as left out")
            }
            try LeftOutObjectRecord(objectID: id, reason: reason).insert(db, onConflict: .ignore)
        }
        if let spec = details.run.specObject { try requireKnown(spec, "the experiment file") }
        var run = details.run
        run.pid = nil
        if var git = details.git {
            if let diff = git.diffObject { try requireKnown(diff, "the git diff") }
            git.id = nil
            try git.insert(db)
            run.gitSnapshotID = git.id
        } else {
            run.gitSnapshotID = nil
        }
        if var environment = details.environment {
            environment.id = nil
            try environment.insert(db)
            run.environmentID = environment.id
        } else {
            run.environmentID = nil
        }
        try run.insert(db)

        var newStepID: [Int64: Int64] = [:]
        for stepDetails in details.steps {
            var step = stepDetails.step
            let old = step.id
            step.id = nil
            step.runID = runID
            // A step this run reused from another run of the bundle keeps pointing at it;
            // one from a run the bundle lacks keeps its metrics (copied below) instead.
            step.cachedFrom = step.cachedFrom.flatMap { newStepID[$0] }
            try step.insert(db)
            if let old { newStepID[old] = step.id }
            for (edges, direction) in [(stepDetails.inputs, StepEdge.Direction.input), (stepDetails.outputs, .output)] {
                for edge in edges {
                    try requireKnown(edge.artifact.id, "\(step.name)'s \(direction.rawValue) \(edge.name)")
                    try edge.artifact.insert(db, onConflict: .ignore)
                    try StepEdge(stepID: step.id!, artifactID: edge.artifact.id, name: edge.name, direction: direction).insert(db, onConflict: .replace)
                }
            }
        }
        let params = details.params.filter { $0.key != "imported_from" || !$0.stepName.isEmpty }
            + [ParamRecord(runID: runID, stepName: "", key: "imported_from", value: source)]
        for param in params { try param.insert(db, onConflict: .replace) }
        for metric in details.metrics { try metric.insert(db) }
    }
}

extension Int64 {
    /// Division rounding toward minus infinity.
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
