import Foundation

extension DecodingError {
    /// `error` as a message needs it: for a decoding error, where (a field path such as
    /// `runs[0].steps[2].key`, or "the top level") and what was wrong, without the coding-path
    /// dump of its own description; any other error as it describes itself.
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func place(_ context: Context) -> String {
            let names = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return names.isEmpty ? "the top level" : "field \(names.hasPrefix(".") ? String(names.dropFirst()) : names)"
        }
        switch error {
        case .keyNotFound(let key, let context):
            let missing = "missing field \"\(key.stringValue)\""
            return context.codingPath.isEmpty ? missing : "\(place(context)): \(missing)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(place(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
