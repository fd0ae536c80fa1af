import ArgumentParser
import Foundation
import Lineage
import Store

/// `--store PATH`, shared by every command that uses a store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The store directory (default: $IOPO_STORE, else the nearest ./store found walking up).")
    var store: String?

    func storeURL() throws -> URL {
        if let store { return URL(fileURLWithPath: store) }
        return try ObjectStore.discover(from: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    }

    func open(_ access: ObjectStore.Access = .read) throws -> ObjectStore {
        try ObjectStore(root: storeURL(), access: access)
    }

    func openLineage(_ access: ObjectStore.Access = .read) throws -> LineageDatabase {
        try LineageDatabase(store: open(access))
    }
}

/// `--json`, for every read command.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON.")
    var json = false
}

enum Output {
    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func date(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }
}
