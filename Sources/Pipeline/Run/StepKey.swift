import Store

/// A step's cache key: `sha256:` of the canonical JSON of
///
///     {"engine": {"blas", "threads", "version"}, "inputs": {NAME: id},
///      "kind", "kind_version", "params", "seed"?}
///
/// `params` are the normalised parameters with every input reference replaced by `"<input
/// NAME>"`: the key depends on what an input *is* (its object id, listed under `inputs`), not on
/// which step produced it, so renaming a step keeps its cache. An endpoint input is listed as
/// `endpoint:<service key>` — the service's key hashes the served model's id and the service's
/// parameters — never as its URL. `seed` is present only for steps whose kind says they use it.
public enum StepKey {
    public static func compute(step: StepSpec, kindVersion: String, inputIDs: [String: String], engine: EngineEnvironment, seed: Int) -> String {
        var params = step.params.values
        for input in step.inputs {
            params = replace(in: .table(params), at: input.path.components[...], with: .string("<input \(input.name)>")).tableValue ?? params
        }
        var material: [String: SpecValue] = [
            "kind": .string(step.kind),
            "kind_version": .string(kindVersion),
            "params": .table(params),
            "inputs": .table(inputIDs.mapValues(SpecValue.string)),
            "engine": .table(["version": .string(engine.version), "blas": .string(engine.blas), "threads": .integer(engine.threads)]),
        ]
        if step.usesSeed { material["seed"] = .integer(seed) }
        return ObjectID.of(Array(SpecValue.table(material).canonicalJSON.utf8)).description
    }

    private static func replace(in value: SpecValue, at path: ArraySlice<SpecPath.Component>, with replacement: SpecValue) -> SpecValue {
        guard let first = path.first else { return replacement }
        switch (first, value) {
        case (.key(let key), .table(var table)):
            guard let child = table[key] else { return value }
            table[key] = replace(in: child, at: path.dropFirst(), with: replacement)
            return .table(table)
        case (.index(let index), .array(var array)):
            guard array.indices.contains(index) else { return value }
            array[index] = replace(in: array[index], at: path.dropFirst(), with: replacement)
            return .array(array)
        default:
            return value
        }
    }
}
