import ArgumentParser

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Generate the synthetic TRACE and inspect TRACE-format datasets.",
        subcommands: [DataSynth.self, DataStats.self])
}
