// llama.cpp's tensor names for the Llama/Qwen2 family (gguf-py's `MODEL_TENSOR` names for
// MODEL_ARCH.LLAMA and QWEN2) and the Hugging Face state-dict names they come from:
//
//   token_embd.weight            model.embed_tokens.weight
//   output_norm.weight           model.norm.weight
//   output.weight                lm_head.weight          (absent: tied to token_embd.weight)
//   blk.N.attn_norm.weight       model.layers.N.input_layernorm.weight
//   blk.N.attn_q.weight / .bias  model.layers.N.self_attn.q_proj.weight / .bias
//   blk.N.attn_k.weight / .bias  model.layers.N.self_attn.k_proj.weight / .bias
//   blk.N.attn_v.weight / .bias  model.layers.N.self_attn.v_proj.weight / .bias
//   blk.N.attn_output.weight     model.layers.N.self_attn.o_proj.weight
//   blk.N.ffn_norm.weight        model.layers.N.post_attention_layernorm.weight
//   blk.N.ffn_gate.weight        model.layers.N.mlp.gate_proj.weight
//   blk.N.ffn_up.weight          model.layers.N.mlp.up_proj.weight
//   blk.N.ffn_down.weight        model.layers.N.mlp.down_proj.weight
//
// Shapes need no transposition: ggml's ne = [in, out] is Hugging Face's [out, in] (see
// GGUFTensorInfo). Values of llama's q/k weights do need reordering (see LlamaQKPermutation).

/// Translation between llama.cpp's and Hugging Face's tensor names.
public enum GGUFTensorNames {
    static let globalNames: [(gguf: String, huggingFace: String)] = [
        ("token_embd.weight", "model.embed_tokens.weight"),
        ("output_norm.weight", "model.norm.weight"),
        ("output.weight", "lm_head.weight"),
    ]

    static let layerNames: [(gguf: String, huggingFace: String)] = [
        ("attn_norm.weight", "input_layernorm.weight"),
        ("attn_q.weight", "self_attn.q_proj.weight"),
        ("attn_q.bias", "self_attn.q_proj.bias"),
        ("attn_k.weight", "self_attn.k_proj.weight"),
        ("attn_k.bias", "self_attn.k_proj.bias"),
        ("attn_v.weight", "self_attn.v_proj.weight"),
        ("attn_v.bias", "self_attn.v_proj.bias"),
        ("attn_output.weight", "self_attn.o_proj.weight"),
        ("ffn_norm.weight", "post_attention_layernorm.weight"),
        ("ffn_gate.weight", "mlp.gate_proj.weight"),
        ("ffn_up.weight", "mlp.up_proj.weight"),
        ("ffn_down.weight", "mlp.down_proj.weight"),
    ]

    /// The Hugging Face name of llama.cpp tensor `name`, nil for a name outside the family's map.
    public static func huggingFaceName(for name: String) -> String? {
        if let global = globalNames.first(where: { $0.gguf == name }) { return global.huggingFace }
        guard let (layer, rest) = splitLayer(name, prefix: "blk."),
              let pair = layerNames.first(where: { $0.gguf == rest }) else { return nil }
        return "model.layers.\(layer).\(pair.huggingFace)"
    }

    /// The llama.cpp name of Hugging Face tensor `name`, nil for a name outside the family's map.
    public static func ggufName(for name: String) -> String? {
        if let global = globalNames.first(where: { $0.huggingFace == name }) { return global.gguf }
        guard let (layer, rest) = splitLayer(name, prefix: "model.layers."),
              let pair = layerNames.first(where: { $0.huggingFace == rest }) else { return nil }
        return "blk.\(layer).\(pair.gguf)"
    }

    /// Whether the file's output projection is the token embedding (no `output.weight`).
    public static func hasTiedEmbeddings(_ file: GGUFFile) -> Bool {
        file.tensor(named: "output.weight") == nil
    }

    /// "<prefix><decimal layer>.<rest>" split into the layer number and the rest.
    private static func splitLayer(_ name: String, prefix: String) -> (Int, String)? {
        guard name.hasPrefix(prefix) else { return nil }
        let tail = name.dropFirst(prefix.count)
        guard let dot = tail.firstIndex(of: "."), dot > tail.startIndex else { return nil }
        let digits = tail[..<dot]
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let layer = Int(digits),
              String(layer) == digits else { return nil }
        return (layer, String(tail[tail.index(after: dot)...]))
    }
}
