import ArgumentParser
import Basics
import Engine
import Foundation

/// `model gguf-dump`: describes a GGUF file (header, metadata, tensor table) and writes tensors
/// dequantised to float32; scripts/parity/gguf_parity.py compares both with gguf-py.
struct ModelGGUFDump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gguf-dump",
        abstract: "Describe a GGUF file, or write its tensors dequantised to float32.",
        discussion: """
            Without --tensor or --out-dir: the header, the metadata (arrays longer than 8 values \
            shortened unless --all-values) and the tensor table; --json prints them as JSON. \
            --tensor NAME --out FILE writes the tensor's values as little-endian float32, row-major \
            (shape = ggml's ne reversed); --out-dir DIR writes every tensor as DIR/NAME.f32 (with --hf, NAME is the Hugging Face name). With \
            --hf the tensor is named and laid out as in a Hugging Face checkpoint (llama q/k rows \
            restored). Types read: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K.
            """)

    @Argument(help: "The GGUF file.") var file: String
    @Option(help: "A tensor to dequantise (its name in the file).") var tensor: String?
    @Option(help: "Where --tensor's float32 values go.") var out: String?
    @Option(name: .customLong("out-dir"), help: "Write every tensor to DIR/NAME.f32 (DIR is created).") var outDir: String?
    @Flag(name: .customLong("hf"), help: "Write tensors in Hugging Face layout (llama q/k rows unpermuted).") var huggingFace = false
    @Flag(name: .customLong("all-values"), help: "Print every element of metadata arrays.") var allValues = false
    @OptionGroup var output: OutputOptions

    static let shownElements = 8

    func validate() throws {
        if out != nil && tensor == nil { throw ValidationError("--out needs --tensor") }
        if outDir != nil && (tensor != nil || out != nil) { throw ValidationError("--out-dir writes every tensor; do not combine it with --tensor or --out") }
    }

    func run() throws {
        let reader = try EngineErrorMapping.mapped { try GGUFReader(path: file) }
        let metadata = huggingFace ? try EngineErrorMapping.mapped { try GGUFModelMetadata(reader.file) } : nil
        if let outDir {
            try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
            for info in reader.file.tensors {
                let name = huggingFace ? GGUFTensorNames.huggingFaceName(for: info.name) ?? info.name : info.name
                // Names come from the file: one that is not a plain file name must not pick the path.
                if name.isEmpty || name.contains("/") || name == "." || name == ".." {
                    throw CLIError.invalid("\(file): tensor \"\(name)\" cannot be written as a file name in \(outDir)")
                }
                try write(info, reader: reader, metadata: metadata, to: (outDir as NSString).appendingPathComponent("\(name).f32"))
            }
            print("wrote \(reader.file.tensors.count) tensors to \(outDir)")
            return
        }
        if let tensor {
            guard let info = reader.file.tensor(named: tensor) else {
                throw CLIError.invalid(GGUFError.missingTensor(file: file, tensor: tensor).description)
            }
            if let out {
                try write(info, reader: reader, metadata: metadata, to: out)
                print("wrote \(info.name) (\(info.type.name), shape \(info.shape)) to \(out)")
            } else {
                let values = try EngineErrorMapping.mapped { try reader.values(of: info) }
                print("\(info.name): \(info.type.name), shape \(info.shape), \(values.count) values")
                print("first: " + values.prefix(Self.shownElements).map { "\($0)" }.joined(separator: " "))
            }
            return
        }
        if output.json {
            print(JSONWriter.canonicalIndented.string(describe(reader.file)))
        } else {
            printText(reader.file)
        }
    }

    /// Writes one tensor's float32 values, little-endian, atomically.
    private func write(_ info: GGUFTensorInfo, reader: GGUFReader, metadata: GGUFModelMetadata?, to path: String) throws {
        let values = try EngineErrorMapping.mapped { () throws -> [Float] in
            if let metadata { return try reader.huggingFaceTensor(info, metadata: metadata).values }
            return try reader.values(of: info)
        }
        let littleEndian = values.map { $0.bitPattern.littleEndian }
        do throws(AtomicWriteError<FileSystemError>) {
            try AtomicFile.write(to: path) { (writer: inout FileWriter) throws(FileSystemError) in
                var failure: FileSystemError?
                littleEndian.withUnsafeBytes { bytes in
                    do throws(FileSystemError) { try writer.append(bytes) } catch { failure = error }
                }
                if let failure { throw failure }
            }
        } catch {
            throw CLIError(code: .failure, message: "\(path): cannot write: \(error.fileSystemError.detail)")
        }
    }

    // MARK: JSON

    private func describe(_ gguf: GGUFFile) -> JSONValue {
        .object([
            JSONMember("file", .string(gguf.path)),
            JSONMember("version", .int(gguf.version)),
            JSONMember("tensor_count", .int(gguf.tensors.count)),
            JSONMember("metadata_count", .int(gguf.metadata.count)),
            JSONMember("alignment", .int(gguf.alignment)),
            JSONMember("data_offset", .int(gguf.dataOffset)),
            JSONMember("file_size", .int(gguf.fileSize)),
            JSONMember("metadata", .array(gguf.metadata.map { entry in
                .object([JSONMember("key", .string(entry.key))] + describe(entry.value))
            })),
            JSONMember("tensors", .array(gguf.tensors.map { info in
                .object([
                    JSONMember("name", .string(info.name)),
                    JSONMember("type", .string(info.type.name)),
                    JSONMember("type_number", .int(info.type.rawValue)),
                    JSONMember("dimensions", .array(info.dimensions.map { .int($0) })),
                    JSONMember("shape", .array(info.shape.map { .int($0) })),
                    JSONMember("offset", .int(info.offset)),
                    JSONMember("bytes", .int(info.byteCount)),
                ])
            })),
        ])
    }

    /// "type" and "value" members (arrays also "element_type", "count" and, when shortened, "shortened").
    private func describe(_ value: GGUFValue) -> [JSONMember] {
        guard case .array(let array) = value else {
            return [JSONMember("type", .string(value.type.name)), JSONMember("value", scalar(value))]
        }
        let shown = allValues ? array.elements[...] : array.elements.prefix(Self.shownElements)
        var members = [
            JSONMember("type", .string("array")),
            JSONMember("element_type", .string(array.elementType.name)),
            JSONMember("count", .int(array.elements.count)),
            JSONMember("value", .array(shown.map { element in
                if case .array = element { return .object(describe(element)) }
                return scalar(element)
            })),
        ]
        if shown.count < array.elements.count { members.append(JSONMember("shortened", .bool(true))) }
        return members
    }

    private func scalar(_ value: GGUFValue) -> JSONValue {
        switch value {
        case .uint8(let v): return .int(v)
        case .int8(let v): return .int(v)
        case .uint16(let v): return .int(v)
        case .int16(let v): return .int(v)
        case .uint32(let v): return .int(v)
        case .int32(let v): return .int(v)
        case .uint64(let v): return .int(v)
        case .int64(let v): return .int(v)
        case .float32(let v): return .double(Double(v))
        case .float64(let v): return .double(v)
        case .bool(let v): return .bool(v)
        case .string(let v): return .string(v)
        case .array: return .object(describe(value))
        }
    }

    // MARK: Text

    private func printText(_ gguf: GGUFFile) {
        print("\(gguf.path): GGUF version \(gguf.version), \(gguf.metadata.count) metadata keys, \(gguf.tensors.count) tensors, "
              + "alignment \(gguf.alignment), data at byte \(gguf.dataOffset) of \(gguf.fileSize)")
        print("metadata:")
        for entry in gguf.metadata {
            print("  \(entry.key) (\(entry.value.typeDescription)) = \(text(entry.value))")
        }
        print("tensors:")
        let width = gguf.tensors.map(\.name.count).max() ?? 0
        for info in gguf.tensors {
            let name = info.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let type = info.type.name.padding(toLength: 7, withPad: " ", startingAt: 0)
            print("  \(name)  \(type) \(info.shape)  offset \(info.offset)  \(info.byteCount) bytes")
        }
    }

    private func text(_ value: GGUFValue) -> String {
        switch value {
        case .string(let string):
            let shown = allValues || string.count <= 80 ? string : String(string.prefix(60)) + "…"
            let quoted = JSONWriter.compact.string(.string(shown))
            return shown.count < string.count ? "\(quoted) (\(string.count) characters)" : quoted
        case .array(let array):
            let shown = allValues ? array.elements[...] : array.elements.prefix(Self.shownElements)
            let items = shown.map(text).joined(separator: ", ")
            let more = shown.count < array.elements.count ? ", … \(array.elements.count - shown.count) more" : ""
            return "[\(items)\(more)] (\(array.elements.count) element\(array.elements.count == 1 ? "" : "s"))"
        default:
            return JSONWriter.compact.string(scalar(value))
        }
    }
}
