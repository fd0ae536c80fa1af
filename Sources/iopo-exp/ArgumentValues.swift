// The library enums that command-line options take, made parseable by the argument parser, so
// that `--help` lists their values, shells complete them and a wrong value is refused with the
// parser's own message (exit code 2) before any command runs.

import ArgumentParser
import Engine
import Eval
import Pipeline

extension TrainingObjective: ExpressibleByArgument {}
extension TruncationPolicy: ExpressibleByArgument {}
extension JudgeKind: ExpressibleByArgument {}

/// OpenBLAS kernel families are matched without regard to case (`Haswell`, `haswell`), as
/// OpenBLAS itself matches `OPENBLAS_CORETYPE`.
extension BLASKernelFamily: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}

/// `--md`, `--csv` and `--latex` as one choice: giving two is a usage error from the parser.
extension TableRendering.Format: EnumerableFlag {
    public static func name(for value: Self) -> NameSpecification {
        switch value {
        case .text: return .customLong("text")
        case .markdown: return .customLong("md")
        case .csv: return .customLong("csv")
        case .latex: return .customLong("latex")
        }
    }

    public static func help(for value: Self) -> ArgumentHelp? {
        switch value {
        case .text: return "Print aligned text (the default)."
        case .markdown: return "Print Markdown."
        case .csv: return "Print CSV."
        case .latex: return "Print LaTeX (booktabs; tables only)."
        }
    }
}
