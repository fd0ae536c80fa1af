import ArgumentParser
import Foundation
import Store

struct StorePin: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pin", abstract: "Keep an object (and all it references) through gc under a name.")
    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "Object id or unique prefix.") var id: String
    @Argument(help: "Pin name.") var name: String

    func run() throws {
        let lineage = try storeOptions.openLineage(.write)
        let objectID = try lineage.store.resolve(id)
        try lineage.pin(objectID, name: name)
        print("pinned \(objectID) as \(name)")
    }
}

struct StoreUnpin: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unpin", abstract: "Remove a pin.")
    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "Pin name.") var name: String

    func run() throws {
        guard try storeOptions.openLineage().unpin(name: name) else { throw CLIError.invalid("no pin named \"\(name)\"") }
        print("unpinned \(name)")
    }
}

struct StorePins: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pins", abstract: "List pins.")
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let pins = try storeOptions.openLineage().pins()
        if output.json { try Output.printJSON(pins); return }
        for pin in pins { print("\(pin.name)  \(pin.objectID)  \(Output.date(pin.createdAt))") }
    }
}
