// llama.cpp's converter (convert_hf_to_gguf.py, `LlamaModel.permute`) reorders the rows of the
// query and key projections (weights and biases) for the llama architecture, so that its RoPE
// kernel can rotate adjacent pairs (GPT-J style) where Hugging Face's Llama rotates the two halves
// of each head (NeoX style). Within each head of `headDimension` rows it interleaves the halves:
//
//   stored row 2i     = Hugging Face row i                       i in 0..<headDimension/2
//   stored row 2i + 1 = Hugging Face row i + headDimension/2
//
// (reshape to [heads, 2, headDimension/2, columns], swap axes 1 and 2). q uses the attention head
// count, k the key/value head count. Qwen2 GGUF files are written unpermuted (its converter does
// not inherit from LlamaModel), so only llama files are undone.

/// The q/k row order of llama-architecture GGUF files, applied and undone.
public enum LlamaQKPermutation {
    /// Hugging Face's row order from the stored one: the inverse of llama.cpp's permute. `values`
    /// is row-major [rows, columns] with rows = heads × headDimension; nil when rows is not a
    /// multiple of 2 × heads.
    public static func undo(_ values: [Float], rows: Int, columns: Int, heads: Int) -> [Float]? {
        reorder(values, rows: rows, columns: columns, heads: heads, toStored: false)
    }

    /// llama.cpp's permute (Hugging Face order to the stored order); used by tests and writers.
    public static func apply(_ values: [Float], rows: Int, columns: Int, heads: Int) -> [Float]? {
        reorder(values, rows: rows, columns: columns, heads: heads, toStored: true)
    }

    private static func reorder(_ values: [Float], rows: Int, columns: Int, heads: Int, toStored: Bool) -> [Float]? {
        guard heads > 0, rows % (2 * heads) == 0, values.count == rows * columns else { return nil }
        let headDimension = rows / heads
        let half = headDimension / 2
        var result = [Float](repeating: 0, count: values.count)
        for head in 0..<heads {
            let base = head * headDimension
            for i in 0..<half {
                for side in 0..<2 {
                    let stored = base + 2 * i + side
                    let huggingFace = base + side * half + i
                    let (from, to) = toStored ? (huggingFace, stored) : (stored, huggingFace)
                    for column in 0..<columns {
                        result[to * columns + column] = values[from * columns + column]
                    }
                }
            }
        }
        return result
    }
}
