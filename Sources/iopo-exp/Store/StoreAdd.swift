import ArgumentParser
import Foundation
import Store

struct StoreAdd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Store files or directories and print their ids.")
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Files or directories to add.") var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one path to add") }
    }

    func run() throws {
        let store = try storeOptions.open(.write)
        var results: [AddResult] = []
        for path in paths { results.append(try store.add(path: path)) }
        if output.json { try Output.printJSON(results); return }
        for result in results {
            print("\(result.id)  \(result.path)  (\(result.kind.rawValue), \(Output.bytes(result.size)), \(result.newObjects) new objects, \(Output.bytes(result.newStoredBytes)) stored)")
        }
    }
}
