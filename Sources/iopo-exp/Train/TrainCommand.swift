import ArgumentParser

/// `iopo-exp train`: SFT, DPO, IOPO and the IOPO ablations with the bundled engine, outside the
/// store (the `train` step kind of an experiment file does the same inside it).
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train SFT, DPO, IOPO or an IOPO ablation with the bundled engine.",
        subcommands: [TrainRunCommand.self, TrainParityDump.self],
        defaultSubcommand: TrainRunCommand.self)
}
