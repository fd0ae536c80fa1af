import ArgumentParser
import Foundation
import Pipeline

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check an experiment file without running it: keys, types, references, cycles (exit 2 with file:line:column when invalid).")
    @OptionGroup var output: OutputOptions
    @Argument(help: "The experiment file (TOML).") var file: String
    @Flag(help: "Do not require file: inputs to exist (for a configuration meant for another machine).") var noFiles = false

    func run() throws {
        try PipelineCLI.mapErrors {
            let spec = try ExperimentParser(registry: PipelineCLI.registry(), checkFiles: !noFiles).parse(contentsOf: file)
            if output.json {
                struct Step: Encodable { var name: String; var kind: String; var inputs: [String: String]; var outputs: [String] }
                try Output.printJSON(spec.orderedSteps.map { step in
                    Step(name: step.name, kind: step.kind, inputs: Dictionary(uniqueKeysWithValues: step.inputs.map { ($0.name, describe($0.source)) }),
                         outputs: step.outputs.map(\.name))
                })
                return
            }
            print("\(file): experiment \(spec.name), \(spec.steps.count) steps, seeds \(spec.seeds.map(String.init).joined(separator: ","))")
            for step in spec.orderedSteps {
                let inputs = step.inputs.map { "\($0.name)=\(describe($0.source))" }.joined(separator: " ")
                print("  \(step.name) [\(step.kind)]\(inputs.isEmpty ? "" : "  ← \(inputs)")\(step.outputs.isEmpty ? "" : "  → \(step.outputs.map(\.name).joined(separator: ", "))")")
            }
        }
    }

    func describe(_ source: StepInput.Source) -> String {
        switch source {
        case .step(let step, let output): return "\(step).\(output)"
        case .file(let reference, _): return "file:\(reference)"
        }
    }
}
