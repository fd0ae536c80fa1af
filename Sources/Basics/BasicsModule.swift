// Basics: the leaf module every other module of iopo-exp may use. It holds the few foundations
// that several modules need and that must exist exactly once, because their bytes or streams are
// part of what the tool hashes and replays:
//
// - `JSON/`: one JSON value type, one parser (with the error position a user needs) and one writer
//   whose canonical form is what the store, the lineage and the step keys hash.
// - `Random/`: the one seeded generator (xoshiro256** seeded through SplitMix64) and its documented
//   stream.
// - `Files/`: the one atomic file writer (temporary file, fsync, rename, fsync of the directory)
//   and the one memory-mapped file reader.
//
// Nothing here knows about experiments, models or the store: it depends on nothing but the
// standard library, Foundation and the `CFileSync` shim.
