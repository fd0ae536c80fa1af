import Eval
import Foundation
import Serve

/// Output and error mapping shared by the serve and eval commands.
enum ServingCLI {
    /// Runs `body`, turning the Serve and Eval modules' errors into CLI errors with their exit
    /// codes: bad input (settings, files, models, datasets) exits 2, everything else 1.
    static func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw translate(error) }
    }

    /// `mapErrors` for synchronous work.
    static func mapErrorsSync<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw translate(error) }
    }

    static func translate(_ error: any Error) -> any Error {
        switch error {
        case let error as ServeError:
            if case .bindFailed = error { return CLIError(code: .failure, message: error.description) }
            return CLIError(code: .invalidInput, message: error.description)
        case let error as EvaluationError:
            switch error {
            case .invalidSetting, .dataset, .judgeMismatch: return CLIError(code: .invalidInput, message: error.description)
            default: return CLIError(code: .failure, message: error.description)
            }
        default:
            return error
        }
    }

    /// A line on stdout, flushed at once (scripts wait for it on a pipe).
    static func printLine(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Whether stderr is a terminal (progress is shown only there).
    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}
