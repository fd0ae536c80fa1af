// A GGUF file opened for reading: the file is memory-mapped, its structure parsed once, and
// tensors are dequantised straight from the page cache when asked for.

import Basics

/// A memory-mapped GGUF file: its parsed structure and its tensors as float32.
public final class GGUFReader {
    public let file: GGUFFile
    private let mapping: MappedFile

    /// Maps and parses the file at `path`.
    public init(path: String) throws(GGUFError) {
        let mapped: MappedFile
        do throws(FileSystemError) { mapped = try MappedFile(path: path) } catch {
            throw .io(file: path, detail: error.detail)
        }
        mapping = mapped
        file = try mapped.withBytes { (bytes) throws(GGUFError) in try GGUFFile.parse(bytes, path: path) }
    }

    /// The raw bytes of `tensor` as stored (quantised blocks, halves, ...).
    public func rawBytes(of tensor: GGUFTensorInfo) -> [UInt8] {
        mapping.withBytes { Array($0[tensor.fileRange]) }
    }

    /// The values of `tensor`, row-major (ne[0] fastest), as float32.
    public func values(of tensor: GGUFTensorInfo) throws(GGUFError) -> [Float] {
        let result = mapping.withBytes { bytes in
            GGUFDequantizer.dequantize(UnsafeRawBufferPointer(rebasing: bytes[tensor.fileRange]), type: tensor.type, count: tensor.elementCount)
        }
        guard let result else {
            throw .unsupportedTensorType(file: file.path, tensor: tensor.name, type: tensor.type.rawValue)
        }
        return result
    }

    /// The tensor named `name` (the file's own name) as float32 with its row-major shape
    /// (`GGUFTensorInfo.shape`, the reverse of ggml's ne).
    public func tensor(named name: String) throws(GGUFError) -> NamedTensor {
        guard let info = file.tensor(named: name) else { throw .missingTensor(file: file.path, tensor: name) }
        return NamedTensor(name: info.name, shape: info.shape, values: try values(of: info))
    }
}
