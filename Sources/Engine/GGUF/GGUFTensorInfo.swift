// One entry of a GGUF tensor table, validated against the file: its type is known, its shape
// does not overflow, its rows are whole blocks, its offset is aligned and its bytes lie inside the
// data section.
//
// Shapes: ggml lists dimensions fastest first (`ne[0]` is the length of a row, the index that
// varies fastest in memory); Hugging Face and this engine list them slowest first. A tensor with
// `dimensions` [ne0, ne1] is therefore the row-major matrix of `shape` [ne1, ne0]: a linear weight
// stored by llama.cpp with ne = [in, out] is the engine's [out, in] (rows = ne1, cols = ne0), and
// the bytes are in the same order, because ggml's blocks run along ne0 and a row is a whole number
// of blocks. Dequantising block after block thus yields the row-major [rows, cols] values.

/// A tensor of a GGUF file: name, shape, element type and where its bytes are.
public struct GGUFTensorInfo: Sendable, Equatable {
    public var name: String
    /// ggml's `ne`, fastest-varying first, as stored in the file (1 to 4 entries).
    public var dimensions: [Int]
    public var type: GGMLType
    /// Offset of the first byte relative to the start of the data section, as stored.
    public var offset: Int
    /// Absolute byte range of the tensor's data in the file.
    public var fileRange: Range<Int>

    /// The shape slowest-varying first (row-major, Hugging Face order): `dimensions` reversed.
    public var shape: [Int] { dimensions.reversed() }

    public var elementCount: Int { dimensions.reduce(1, *) }

    public var byteCount: Int { fileRange.count }
}
