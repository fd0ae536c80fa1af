import ArgumentParser
import Foundation
import Lineage
import Pipeline

/// What the pipeline commands share: the step kinds this binary has, the reporter for the
/// output at hand, and the mapping of pipeline errors onto the CLI's exit codes.
enum PipelineCLI {
    /// Every step kind this binary can run. Kinds from other modules (data, train, serve,
    /// eval) are registered here.
    static func registry() -> StepRegistry {
        StepRegistry.standard
    }

    /// The engine/tool version that goes into every step key and every recorded environment:
    /// the release and the build identity, so that a change to any source, dependency version
    /// or the compiler gives new keys (outputs cached by another build are not served as this
    /// build's) and `replay --check` names the difference before it compares.
    static var engineVersion: String { "iopo-exp \(IopoExp.version) build \(BuildIdentity.digest)" }

    /// Terminal progress on a TTY, one line per event otherwise, nothing for `--json`.
    static func reporter(json: Bool) -> any RunReporter {
        if json { return SilentReporter() }
        return isatty(1) != 0 ? TerminalReporter(width: terminalWidth()) : PlainReporter()
    }

    /// Columns of the terminal on standard output (100 when it cannot be read).
    static func terminalWidth() -> Int {
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 20 else { return 100 }
        return Int(size.ws_col)
    }

    /// Runs `body`, turning pipeline errors into CLI errors (exit 2 for bad input, 1 for failed
    /// steps); store, lineage and git errors pass through to `ErrorReport`.
    static func mapErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ConfigFileError {
            throw CLIError.invalid(error.description)
        } catch let error as SpecOverrideError {
            throw CLIError.invalid(error.description)
        } catch let error as PipelineError {
            throw CLIError(code: error.isUsageError ? .invalidInput : error.isDeterminismFailure ? .checkFailed : .failure, message: error.description)
        } catch let error as StepFailure {
            throw CLIError(code: .failure, message: error.description)
        }
    }

    static func write(_ text: String) {
        ConsoleOutput.write(text)
    }
}

/// `--md`, `--csv`, `--latex`: the text forms of reports (with `--json` from `OutputOptions`).
struct ReportFormatOptions: ParsableArguments {
    @Flag(help: "Output format (one of them; JSON is --json).") var format: TableRendering.Format = .text
}
