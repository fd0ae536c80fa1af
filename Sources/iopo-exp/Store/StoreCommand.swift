import ArgumentParser

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Put files and directories into the content-addressed store and get them back.",
        subcommands: [StoreAdd.self, StoreCat.self, StoreGet.self, StoreLs.self, StoreDu.self, StoreVerify.self,
                      StoreGC.self, StorePin.self, StoreUnpin.self, StorePins.self])
}
