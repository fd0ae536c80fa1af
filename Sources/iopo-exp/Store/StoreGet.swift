import ArgumentParser
import Foundation
import Store

struct StoreGet: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Recreate a stored file or directory (modes and links kept) at DEST.")
    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "Object id or unique prefix.") var id: String
    @Argument(help: "Destination path; must not exist.") var destination: String

    func run() throws {
        let store = try storeOptions.open()
        let objectID = try store.resolve(id)
        try store.get(objectID, to: URL(fileURLWithPath: destination))
        print("\(objectID)  -> \(destination)")
    }
}
