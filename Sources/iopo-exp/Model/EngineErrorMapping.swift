import Basics
import Engine
import Foundation

/// Turns the engine's typed errors into CLI errors: every engine error is about the input (a
/// config, a checkpoint, a prompt), so it exits 2 with the engine's own message, which already
/// names the file, tensor or field; file-system failures while writing exit 1.
enum EngineErrorMapping {
    static func cliError(_ error: Error) -> Error {
        switch error {
        case is CLIError: return error
        case let error as CheckpointError:
            if case .io = error { return CLIError(code: .failure, message: error.description) }
            if case .safetensors(.io) = error { return CLIError(code: .failure, message: error.description) }
            return CLIError.invalid(error.description)
        case let error as SafetensorsError:
            if case .io = error { return CLIError(code: .failure, message: error.description) }
            return CLIError.invalid(error.description)
        case let error as GGUFError: return CLIError.invalid(error.description)
        case let error as ModelError: return CLIError.invalid(error.description)
        case let error as DecoderConfigError: return CLIError.invalid(error.description)
        case let error as LoRAError: return CLIError.invalid(error.description)
        case let error as GenerationError: return CLIError.invalid(error.description)
        case let error as TokenizerError: return CLIError.invalid(error.description)
        case let error as ModelBundle.BundleError: return CLIError.invalid(error.description)
        case let error as ParityRequestError: return CLIError.invalid(error.description)
        case let error as JSONSyntaxError: return CLIError.invalid("not valid JSON: \(error.description)")
        case let error as OptimizerError: return CLIError(code: .failure, message: error.description)
        default: return error
        }
    }

    /// Runs `body`, rethrowing engine errors as CLI errors.
    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw cliError(error) }
    }
}
