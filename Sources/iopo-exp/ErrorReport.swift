import ArgumentParser
import Foundation
import Lineage
import Store

/// The one place where errors become messages and exit codes (documented in docs/cli.md).
enum ErrorReport {
    enum Code: Int32 {
        case failure = 1
        case invalidInput = 2
        case corruptStore = 3
        case lockTimeout = 4
        case checkFailed = 5
    }

    static func exit(for error: Error) -> Never {
        if let exitCode = error as? ExitCode { IopoExp.exit(withError: exitCode) }
        if let (code, message) = classify(error) {
            FileHandle.standardError.write(Data("iopo-exp: error: \(message)\n".utf8))
            Foundation.exit(code.rawValue)
        }
        // ArgumentParser's own errors: help and version exit 0, usage errors exit 2.
        if IopoExp.exitCode(for: error) == .success { IopoExp.exit(withError: error) }
        FileHandle.standardError.write(Data((IopoExp.fullMessage(for: error) + "\n").utf8))
        Foundation.exit(Code.invalidInput.rawValue)
    }

    static func classify(_ error: Error) -> (Code, String)? {
        switch error {
        case let error as StoreError:
            switch error {
            case .corruptObject, .missingObject, .invalidManifest: return (.corruptStore, error.description)
            case .lockTimeout: return (.lockTimeout, error.description)
            case .writeFailed: return (.failure, error.description)
            default: return (.invalidInput, error.description)
            }
        case let error as LineageError:
            switch error {
            case .objectNotStored: return (.corruptStore, error.description)
            case .database: return (.failure, error.description)
            default: return (.invalidInput, error.description)
            }
        case let error as GitCaptureError:
            if case .notClean = error { return (.invalidInput, error.description) }
            return (.failure, error.description)
        case let error as CLIError:
            return (error.code, error.message)
        default:
            // The engine's typed errors, wherever a command let one through unmapped.
            if let mapped = EngineErrorMapping.cliError(error) as? CLIError { return (mapped.code, mapped.message) }
            return nil
        }
    }
}

/// An error raised by the CLI layer itself (bad arguments it validates, failed checks).
struct CLIError: Error {
    var code: ErrorReport.Code
    var message: String
    static func invalid(_ message: String) -> CLIError { CLIError(code: .invalidInput, message: message) }
}
