import ArgumentParser
import Foundation
import Store

struct StoreLs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the entries of a stored directory.")
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Manifest id or unique prefix.") var id: String

    func run() throws {
        let store = try storeOptions.open()
        let manifest = try store.manifest(try store.resolve(id))
        if output.json { try Output.printJSON(manifest.entries); return }
        for entry in manifest.entries {
            let mode = entry.mode.map { String($0, radix: 8) } ?? "-"
            switch entry.type {
            case .file: print("file  \(mode)  \(String(entry.size ?? 0).padding(toLength: 12, withPad: " ", startingAt: 0))  \(entry.id!.short)  \(entry.path)")
            case .directory: print("dir   \(mode)  \("".padding(toLength: 12, withPad: " ", startingAt: 0))  \("".padding(toLength: 12, withPad: " ", startingAt: 0))  \(entry.path)/")
            case .symlink: print("link  -    \("".padding(toLength: 12, withPad: " ", startingAt: 0))  \("".padding(toLength: 12, withPad: " ", startingAt: 0))  \(entry.path) -> \(entry.target ?? "")")
            }
        }
    }
}
