// Log probabilities of tokens under the model: what OpenAI's `logprobs` return. They are the
// model's own distribution, log-softmax of the raw logits (before temperature, top-k or top-p, as
// vLLM returns them by default), with the normaliser summed in double in vocabulary order, so they
// are as reproducible as the logits they come from.

import Foundation

/// One alternative at a position: a token and its log probability.
public struct TokenAlternative: Sendable, Equatable {
    public var token: Int32
    public var logprob: Float

    public init(token: Int32, logprob: Float) {
        self.token = token
        self.logprob = logprob
    }
}

/// The log probability of the token at a position, with the most likely tokens there.
public struct TokenLogprob: Sendable, Equatable {
    public var token: Int32
    public var logprob: Float
    /// The `top` most likely tokens, most likely first (lower id first on ties).
    public var top: [TokenAlternative]

    /// `token`'s log probability under `logits` and the `top` most likely tokens.
    public init(token: Int32, logits: UnsafeBufferPointer<Float>, top: Int) {
        var maximum = -Float.infinity
        for value in logits where value > maximum { maximum = value }
        var total: Double = 0
        for value in logits { total += exp(Double(value) - Double(maximum)) }
        let normaliser = Double(maximum) + log(total)
        func logprob(_ id: Int) -> Float { Float(Double(logits[id]) - normaliser) }

        self.token = token
        self.logprob = logprob(Int(token))
        self.top = bestIndices(top, of: logits.count, ranksBefore: { logits[$0] > logits[$1] })
            .map { TokenAlternative(token: Int32($0), logprob: logprob($0)) }
    }
}
