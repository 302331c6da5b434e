/// A model that scores a batch: token and target buffers filled by a `BatchSampler`, and a
/// forward pass returning the mean cross-entropy. The single model and its data-parallel
/// wrapper both are, so the one validation loss below serves training, PTQ and the probe.
public protocol LanguageModel: AnyObject {
    /// (B, T) input token ids.
    var tokens: UnsafeMutableBufferPointer<Int32> { get }
    /// (B, T) next-token targets.
    var targets: UnsafeMutableBufferPointer<Int32> { get }
    /// Mean loss over the batch, in nats per token.
    @discardableResult func forward() -> Double
}

extension LanguageModel {
    /// Mean loss over validation batches 0..<batches of `sampler`, in nats per token (of the
    /// model as it stands: under QAT or a quant plan, the quantized model's).
    public func validationLoss(_ sampler: BatchSampler, batches: Int) -> Double {
        var total = 0.0
        for i in 0..<batches {
            sampler.fillValidation(index: i, of: batches, tokens: tokens, targets: targets)
            total += forward()
        }
        return total / Double(batches)
    }
}

extension Transformer: LanguageModel {}
extension DataParallelModel: LanguageModel {}
