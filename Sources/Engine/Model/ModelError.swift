// Errors raised by the model for bad input: tensors that do not fit the architecture, malformed
// batches, misuse of forward/backward order.

/// What was wrong with tensors, batches or calls handed to `DecoderModel`; cases carry the tensor
/// name, field or index involved.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case invalidConfig(DecoderConfigError)
    case missingTensor(name: String)
    case unexpectedTensor(name: String)
    case duplicateTensor(name: String)
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    case invalidBatch(field: String, reason: String)
    case tokenOutOfRange(sequence: Int, position: Int, token: Int32, vocabSize: Int)
    case sequenceTooLong(sequence: Int, length: Int, limit: Int)
    case weightsCountMismatch(expected: Int, found: Int)
    case noForwardToDifferentiate(reason: String)
    case noTrainableParameters

    public var description: String {
        switch self {
        case let .invalidConfig(error):
            return error.description
        case let .missingTensor(name):
            return "tensor \(name) is missing"
        case let .unexpectedTensor(name):
            return "tensor \(name) is not part of this model"
        case let .duplicateTensor(name):
            return "tensor \(name) is given more than once"
        case let .shapeMismatch(name, expected, found):
            return "tensor \(name) has shape \(found), expected \(expected)"
        case let .invalidBatch(field, reason):
            return "batch field \(field): \(reason)"
        case let .tokenOutOfRange(sequence, position, token, vocabSize):
            return "batch sequence \(sequence) position \(position): token \(token) is outside the vocabulary 0..<\(vocabSize)"
        case let .sequenceTooLong(sequence, length, limit):
            return "batch sequence \(sequence) has \(length) tokens, above max_position_embeddings \(limit)"
        case let .weightsCountMismatch(expected, found):
            return "backward got \(found) token weights, expected \(expected) (batchSize × sequenceLength)"
        case let .noForwardToDifferentiate(reason):
            return "backward needs a preceding forward with activations kept: \(reason)"
        case .noTrainableParameters:
            return "the model has no trainable parameters"
        }
    }
}
