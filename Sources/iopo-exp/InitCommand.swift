import ArgumentParser
import Foundation
import Lineage
import Store

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a store (objects and lineage database) in ./store or at --store PATH.")

    @Option(name: .long, help: "Where to create the store (default: ./store).")
    var store: String?

    @Option(name: .long, help: "zstd level for compressible objects, 1...19.")
    var zstdLevel = 3

    func run() throws {
        guard (1...19).contains(zstdLevel) else { throw CLIError.invalid("--zstd-level \(zstdLevel) is outside 1...19") }
        let root = URL(fileURLWithPath: store ?? "store")
        let objectStore = try ObjectStore.initialize(at: root, config: StoreConfig(zstdLevel: zstdLevel))
        _ = try LineageDatabase(store: objectStore)
        print("initialised store at \(root.standardizedFileURL.path)")
    }
}
