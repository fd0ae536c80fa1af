// Strict and loose evaluation and the accuracy report, as evaluation_lib.py defines them.
//
// Strict: an instruction is followed when the response is not blank and passes the check.
// Loose: the same test on eight variants of the response — the response, the response with its
// first line removed, with its last line removed, with both removed (each of those three then
// stripped), and each of the four with every "*" deleted — passing if any non-blank variant passes.
// Lines are split on "\n" exactly, as Python's `str.split("\n")` does.
//
// Accuracy: prompt level is the fraction of prompts whose instructions are all followed (the
// paper's S-Acc with strict results, L-Acc with loose ones); instruction level is the fraction
// of all instructions followed. Both also break down by instruction kind and by category.

/// Strict or loose evaluation (see the file comment).
public enum IFEvalMode: String, CaseIterable, Sendable, Hashable, Codable {
    case strict
    case loose
}

/// The outcome of one prompt: which of its instructions the response followed.
public struct IFEvalResult: Sendable, Hashable, Codable {
    public var key: Int
    public var mode: IFEvalMode
    public var kinds: [IFEvalInstructionKind]
    /// One entry per instruction, in the prompt's order.
    public var followed: [Bool]

    public init(key: Int, mode: IFEvalMode, kinds: [IFEvalInstructionKind], followed: [Bool]) {
        precondition(kinds.count == followed.count, "one outcome per instruction")
        self.key = key
        self.mode = mode
        self.kinds = kinds
        self.followed = followed
    }

    /// Python's `all(follow_instruction_list)`: true for a prompt without instructions.
    public var followsAll: Bool { !followed.contains(false) }
}

/// Applies the strict and loose rules of evaluation_lib.py.
public enum IFEvalEvaluator {
    /// The responses an instruction is tested on: the response alone (strict) or the eight
    /// loose variants in the reference's order.
    public static func responseVariants(_ response: String, mode: IFEvalMode) -> [String] {
        variants(IFEvalPython.scalars(response), mode: mode).map { IFEvalPython.string($0) }
    }

    static func variants(_ response: IFEvalScalars, mode: IFEvalMode) -> [IFEvalScalars] {
        guard mode == .loose else { return [response] }
        let lines = IFEvalPython.split(response, separator: ["\n"])
        let newline: IFEvalScalars = ["\n"]
        let removeFirst = IFEvalPython.strip(IFEvalPython.join(lines.dropFirst(), separator: newline))
        let removeLast = IFEvalPython.strip(IFEvalPython.join(lines.dropLast(), separator: newline))
        let removeBoth = IFEvalPython.strip(IFEvalPython.join(lines.dropFirst().dropLast(), separator: newline))
        func withoutStars(_ text: IFEvalScalars) -> IFEvalScalars { text.filter { $0 != "*" } }
        return [
            response, withoutStars(response),
            removeFirst, removeLast, removeBoth,
            withoutStars(removeFirst), withoutStars(removeLast), withoutStars(removeBoth),
        ]
    }

    /// Whether `response` follows `instruction` under `mode`.
    public static func isFollowed(_ instruction: IFEvalInstruction, response: String, mode: IFEvalMode) -> Bool {
        isFollowed(instruction, variants: variants(IFEvalPython.scalars(response), mode: mode))
    }

    private static func isFollowed(_ instruction: IFEvalInstruction, variants: [IFEvalScalars]) -> Bool {
        variants.contains { !IFEvalPython.strip($0).isEmpty && IFEvalChecker.check(instruction, $0) }
    }

    /// Evaluates one prompt's response.
    public static func evaluate(_ prompt: IFEvalPrompt, response: String, mode: IFEvalMode) -> IFEvalResult {
        let responses = variants(IFEvalPython.scalars(response), mode: mode)
        return IFEvalResult(key: prompt.key, mode: mode, kinds: prompt.instructions.map(\.kind),
                            followed: prompt.instructions.map { isFollowed($0, variants: responses) })
    }
}

/// A followed/total count with its ratio, for one kind, one category, or everything.
public struct IFEvalTally: Sendable, Hashable, Codable {
    public var name: String
    public var total: Int
    public var followed: Int

    public init(name: String, total: Int, followed: Int) {
        self.name = name
        self.total = total
        self.followed = followed
    }

    /// followed / total, and 0 when there is nothing to count (where the reference would divide by zero).
    public var accuracy: Double { total == 0 ? 0 : Double(followed) / Double(total) }
}

/// Prompt-level and instruction-level accuracy of a set of results of one mode, as
/// evaluation_lib.print_report computes them, with per-category and per-kind breakdowns
/// sorted by name.
public struct IFEvalAccuracy: Sendable, Hashable, Codable {
    public var prompts: IFEvalTally
    public var instructions: IFEvalTally
    public var byCategory: [IFEvalTally]
    public var byKind: [IFEvalTally]

    public init(_ results: [IFEvalResult]) {
        var promptsFollowed = 0
        var instructionCount = 0
        var instructionsFollowed = 0
        var categories: [String: (total: Int, followed: Int)] = [:]
        var kinds: [String: (total: Int, followed: Int)] = [:]
        for result in results {
            if result.followsAll { promptsFollowed += 1 }
            instructionCount += result.kinds.count
            for (kind, followed) in zip(result.kinds, result.followed) {
                let hit = followed ? 1 : 0
                instructionsFollowed += hit
                categories[kind.category, default: (0, 0)].total += 1
                categories[kind.category, default: (0, 0)].followed += hit
                kinds[kind.rawValue, default: (0, 0)].total += 1
                kinds[kind.rawValue, default: (0, 0)].followed += hit
            }
        }
        prompts = IFEvalTally(name: "prompt", total: results.count, followed: promptsFollowed)
        instructions = IFEvalTally(name: "instruction", total: instructionCount, followed: instructionsFollowed)
        byCategory = categories.keys.sorted().map { IFEvalTally(name: $0, total: categories[$0]!.total, followed: categories[$0]!.followed) }
        byKind = kinds.keys.sorted().map { IFEvalTally(name: $0, total: kinds[$0]!.total, followed: kinds[$0]!.followed) }
    }

    /// The fraction of prompts with every instruction followed.
    public var promptLevel: Double { prompts.accuracy }
    /// The fraction of instructions followed.
    public var instructionLevel: Double { instructions.accuracy }
}

/// Strict and loose accuracy of one set of responses: the paper's S-Acc is
/// `strict.promptLevel`, L-Acc is `loose.promptLevel`.
public struct IFEvalScore: Sendable, Hashable, Codable {
    public var strict: IFEvalAccuracy
    public var loose: IFEvalAccuracy

    public init(strict: IFEvalAccuracy, loose: IFEvalAccuracy) {
        self.strict = strict
        self.loose = loose
    }

    /// Evaluates every (prompt, response) pair both ways.
    public init(_ pairs: [(prompt: IFEvalPrompt, response: String)]) {
        strict = IFEvalAccuracy(pairs.map { IFEvalEvaluator.evaluate($0.prompt, response: $0.response, mode: .strict) })
        loose = IFEvalAccuracy(pairs.map { IFEvalEvaluator.evaluate($0.prompt, response: $0.response, mode: .loose) })
    }

    /// Prompt-level strict accuracy (S-Acc).
    public var strictPromptAccuracy: Double { strict.promptLevel }
    /// Prompt-level loose accuracy (L-Acc).
    public var loosePromptAccuracy: Double { loose.promptLevel }
}
