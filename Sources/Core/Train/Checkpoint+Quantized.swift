extension Checkpoint {
    /// The metadata key holding the quantization plan (TOML text) of a `quantize --save` file.
    public static let quantPlanKey = "qscope.quant_plan"

    /// Writes `file` to `path` atomically with its parameters replaced by `parameters` (layout
    /// order) and `metadata` added: every other tensor (optimizer state) and key (the run, its
    /// position) is kept, so the result loads wherever the original did, `train --resume` included.
    public static func rewrite(_ file: Safetensors.File, layout: ParameterLayout, parameters: Tensor,
                               addingMetadata metadata: [String: String], to path: String) throws {
        var entries = layout.parameters.map {
            Safetensors.Entry(name: $0.name, shape: $0.shape,
                              values: UnsafeBufferPointer(start: parameters.data + $0.offset, count: $0.count))
        }
        let names = Set(layout.parameters.map(\.name))
        let kept = file.tensors.keys.filter { !names.contains($0) }.sorted()
        // One buffer for the kept tensors, so every entry's pointer stays valid through the write.
        let store = Tensor(shape: [max(1, kept.reduce(0) { $0 + file.tensors[$1]!.values.count })])
        var offset = 0
        for name in kept {
            let (shape, values) = file.tensors[name]!
            if !values.isEmpty {
                values.withUnsafeBufferPointer { (store.data + offset).update(from: $0.baseAddress!, count: $0.count) }
            }
            entries.append(Safetensors.Entry(name: name, shape: shape,
                                             values: UnsafeBufferPointer(start: store.data + offset, count: values.count)))
            offset += values.count
        }
        try withExtendedLifetime((store, parameters)) {
            try Safetensors.write(entries, metadata: file.metadata.merging(metadata) { $1 }, to: path)
        }
    }
}
