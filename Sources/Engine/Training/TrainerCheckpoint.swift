import Basics
import Foundation

// Resumable checkpoints. A checkpoint directory holds exactly what the next step depends on that
// is not recomputed from the run's inputs:
//   trainable.safetensors   the trainable tensors (LoRA A/B under PEFT names, or every base tensor)
//   optimizer.safetensors   AdamW's moments and step count
//   trainer_state.json      completed steps and what identifies the run (objective, steps, units, seed)
// The data order is a function of (seed, epoch) and the reference log-probabilities a function of
// the base model and the data, so both are recomputed on resume; there is no other random state.
// A checkpoint is written into a hidden staging directory and renamed into place (AtomicDirectory),
// so a directory named step-N is always complete.

extension Trainer {
    static let trainableFile = "trainable.safetensors"
    static let optimizerFile = "optimizer.safetensors"
    static let stateFile = "trainer_state.json"

    /// Writes a resumable checkpoint to `directory` (replacing one already there), with
    /// `extraFiles` (name → bytes, e.g. the training log so far) beside it.
    public func saveCheckpoint(to directory: URL, extraFiles: [String: Data] = [:]) throws {
        let trainable: [NamedTensor] = model.loraConfig != nil ? try model.loraTensors() : model.namedTensors()
        do throws(AtomicWriteError<any Error>) {
            try AtomicDirectory.write(to: directory, options: .init(createsParentDirectories: true, replacesExisting: true)) { (staging: URL) throws in
                try Safetensors.write(trainable, to: staging.appendingPathComponent(Trainer.trainableFile))
                try Safetensors.write(optimizer.stateTensors(), to: staging.appendingPathComponent(Trainer.optimizerFile))
                try Data(stateJSON().utf8).write(to: staging.appendingPathComponent(Trainer.stateFile))
                for name in extraFiles.keys.sorted() {
                    try extraFiles[name]!.write(to: staging.appendingPathComponent(name))
                }
            }
        } catch {
            throw error.failure
        }
    }

    /// trainer_state.json: canonical JSON (sorted keys, no whitespace) and a final newline.
    func stateJSON() -> String {
        JSONWriter.canonical.string(.object([
            "completed_steps": .int(completedSteps),
            "lora_rank": .int(model.loraConfig?.rank ?? 0),
            "objective": .string(config.objective.rawValue),
            "seed": .int(config.seed),
            "total_steps": .int(totalSteps),
            "units": .int(data.units),
        ])) + "\n"
    }

    /// Continues a run from a checkpoint written by `saveCheckpoint` with the same config and
    /// data. `baseModel` is what the run started from (for LoRA it receives the checkpoint's
    /// adapter; for a full fine-tune it is left untouched and serves as the reference). The
    /// resumed trainer then continues exactly as the uninterrupted run would have.
    public static func resume(from directory: URL, baseModel: DecoderModel, config: TrainingConfig,
                              examples: [TrainingExample]) throws -> Trainer {
        let stateURL = directory.appendingPathComponent(stateFile)
        guard let bytes = FileManager.default.contents(atPath: stateURL.path),
              let state = try? JSONParser.parse(bytes: [UInt8](bytes)),
              let steps = state["completed_steps"]?.intValue, let objective = state["objective"]?.stringValue,
              let total = state["total_steps"]?.intValue, let unitCount = state["units"]?.intValue,
              case .number(let seedLiteral)? = state["seed"], let seed = UInt64(seedLiteral) else {
            throw TrainingError.checkpoint("\(stateURL.path) is missing or unreadable; is \(directory.path) a checkpoint directory?")
        }
        let tensors: [NamedTensor]
        do { tensors = try Safetensors.read(directory.appendingPathComponent(trainableFile)) } catch {
            throw TrainingError.checkpoint("\(error)")
        }
        let model: DecoderModel
        if let lora = config.lora {
            do { try baseModel.loadLoRA(lora, tensors: tensors) } catch {
                throw TrainingError.checkpoint("\(directory.path) does not fit the model: \(error)")
            }
            model = baseModel
        } else {
            do { model = try DecoderModel(config: baseModel.config, tensors: tensors) } catch {
                throw TrainingError.checkpoint("\(directory.path) does not fit the model: \(error)")
            }
        }
        let trainer = try Trainer(model: model, config: config, examples: examples)
        guard objective == config.objective.rawValue, total == trainer.totalSteps, unitCount == trainer.data.units,
              seed == config.seed, (0...total).contains(steps) else {
            throw TrainingError.checkpoint("\(directory.path) was written by a different run (objective \(objective), \(unitCount) units, \(total) steps, seed \(seed)); this run has objective \(config.objective.rawValue), \(trainer.data.units) units, \(trainer.totalSteps) steps, seed \(config.seed)")
        }
        do { try trainer.optimizer.loadState(try Safetensors.read(directory.appendingPathComponent(optimizerFile))) } catch {
            throw TrainingError.checkpoint("\(directory.path): \(error)")
        }
        // The reference is the model before training: the adapters switched off (LoRA) or the
        // untouched base model (full fine-tune), never the checkpoint's weights.
        try trainer.computeReferenceScores(using: config.lora == nil ? baseModel : nil)
        trainer.completedSteps = steps
        trainer.resumedFrom = directory.path
        return trainer
    }
}
