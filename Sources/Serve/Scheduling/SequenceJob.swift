// What the scheduler is asked to generate, what it reports back, and the handle a request keeps
// to cancel its sequences.

import Engine
import Synchronization

/// One sequence to generate (one choice of one prompt of a request).
struct SequenceSpec: Sendable {
    /// The OpenAI `index` of the choice this sequence fills.
    var choice: Int
    var promptTokens: [Int32]
    var maxTokens: Int
    var sampling: SamplingParameters
    var seed: UInt64
    var stopStrings: [String]
    /// Generate through end-of-turn tokens (vLLM's ignore_eos).
    var ignoreEOS: Bool
    /// Log probabilities of the generated tokens with this many alternatives (nil: none).
    var logprobs: Int? = nil
    /// Log probabilities of the prompt tokens with this many alternatives (nil: none; echo).
    var promptLogprobs: Int? = nil
}

/// How a sequence ended.
enum SequenceFinish: Sendable, Equatable {
    /// An end-of-turn token (`<|im_end|>`, `<|endoftext|>`, the model's eos).
    case stopToken
    /// A requested stop string was produced; it is not in the text.
    case stopString(String)
    /// max_tokens were generated, or the context is full.
    case length
    /// The client went away or the server is shutting down.
    case cancelled
    /// The engine refused the sequence (should not happen: requests are validated first).
    case failed(String)
}

/// The result of one sequence.
struct SequenceOutcome: Sendable, Equatable {
    var finish: SequenceFinish
    var text: String
    /// Generated tokens, counting the end-of-turn token that stopped the sequence (as vLLM does).
    var completionTokens: Int
    /// When asked for: one entry per generated token of the text (not the end-of-turn token).
    var logprobs: [TokenLogprob]? = nil
    /// When asked for: one entry per prompt token after the first.
    var promptLogprobs: [TokenLogprob]? = nil
}

/// What a request hears from the scheduler, in order per choice.
enum SequenceEvent: Sendable {
    /// New text, and the log probabilities of the tokens generated since the last event (when
    /// asked for; the text of a token can arrive later than its entry).
    case text(choice: Int, delta: String, logprobs: [TokenLogprob])
    case finished(choice: Int, SequenceOutcome)
}

/// A queued or running sequence; shared between its request and the worker running it.
final class SequenceJob: Sendable {
    let spec: SequenceSpec
    private let request: RequestHandle
    /// When the sequence was queued (time to first token counts from here).
    let queuedAt = ContinuousClock.now

    init(spec: SequenceSpec, request: RequestHandle) {
        self.spec = spec
        self.request = request
    }

    var isCancelled: Bool { request.isCancelled }

    /// Cancels the whole request this sequence belongs to.
    func cancelRequest() { request.cancel() }

    func emit(_ delta: String, logprobs: [TokenLogprob] = []) {
        if !delta.isEmpty || !logprobs.isEmpty { request.yield(.text(choice: spec.choice, delta: delta, logprobs: logprobs)) }
    }

    func finish(_ outcome: SequenceOutcome) {
        request.sequenceFinished(.finished(choice: spec.choice, outcome))
    }
}

/// The sequences of one HTTP request: one event stream for all of them, one cancellation switch.
final class RequestHandle: Sendable {
    private struct State {
        var cancelled = false
        var remaining: Int
    }
    private let state: Mutex<State>
    private let continuation: AsyncStream<SequenceEvent>.Continuation
    let events: AsyncStream<SequenceEvent>

    init(sequences: Int) {
        state = Mutex(State(remaining: sequences))
        (events, continuation) = AsyncStream.makeStream(of: SequenceEvent.self, bufferingPolicy: .unbounded)
        if sequences == 0 { continuation.finish() }
    }

    /// Stops every sequence of the request at its next token; queued ones never start.
    func cancel() { state.withLock { $0.cancelled = true } }

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    fileprivate func yield(_ event: SequenceEvent) { continuation.yield(event) }

    fileprivate func sequenceFinished(_ event: SequenceEvent) {
        continuation.yield(event)
        let last = state.withLock { state -> Bool in
            state.remaining -= 1
            return state.remaining == 0
        }
        if last { continuation.finish() }
    }
}
