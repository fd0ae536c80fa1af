import ArgumentParser
import Foundation

/// Entry point: parses the command line and maps every error to a message and an exit code in
/// one place (`ErrorReport`), so that usage errors exit 2 rather than ArgumentParser's 64.
@main
enum Main {
    static func main() async {
        BLASDefault.pinIfUnset()
        let arguments = Set(CommandLine.arguments.dropFirst())
        if arguments == ["--version", "--json"] {
            VersionReport.printJSON()
            return
        }
        do {
            var command = try IopoExp.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            ErrorReport.exit(for: error)
        }
    }
}

/// `iopo-exp`: reproduce, verify and compare LLM alignment experiments.
struct IopoExp: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "iopo-exp",
        abstract: "Reproduce, verify and compare LLM alignment experiments (IOPO, TRACE).",
        discussion: """
            Every config, data shard and checkpoint is hashed into a content-addressed store; every \
            run's lineage is recorded next to the git commit. Exit codes: 0 success, 1 failure, \
            2 usage or invalid input, 3 corrupt store, 4 lock timeout, 5 determinism check failed.
            """,
        version: "\(version) (build \(BuildIdentity.digest.prefix(16)))",
        subcommands: [InitCommand.self, StoreCommand.self, RecordCommand.self, RunsCommand.self, ShowCommand.self,
                      RunCommand.self, ReplayCommand.self, DiffCommand.self, TableCommand.self, ReportCommand.self, ExportCommand.self, ImportCommand.self, LogCommand.self, LineageCommand.self,
                      ValidateCommand.self, DataCommand.self, ModelCommand.self, GenerateCommand.self, TrainCommand.self,
                      ServeCommand.self, EvalCommand.self, DemoModelCommand.self])
}
