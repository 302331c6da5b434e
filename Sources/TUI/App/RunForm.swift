import Core
import Foundation

/// The new-run form's fields and their values; a value edited by actions, like the state.
public struct RunForm: Equatable, Sendable {
    public enum Field: Int, CaseIterable, Sendable {
        case optimizer, model, learningRate, qat, bits, precision

        public var label: String {
            switch self {
            case .optimizer: return "optimizer"
            case .model: return "model"
            case .learningRate: return "lr"
            case .qat: return "QAT"
            case .bits: return "bits"
            case .precision: return "precision"
            }
        }
    }

    public static let optimizers = OptimizerKind.allCases
    public static let models = ModelConfig.sizes.map(\.name)
    /// nil is full precision ("none").
    public static let qatModes: [QATMethod?] = [nil] + QATMethod.allCases
    public static let bitChoices = [2, 3, 4, 8]
    /// Characters a learning rate can contain (`3e-3`, `0.01`); others are ignored.
    static let numberCharacters = Set("0123456789.eE+-")

    public var field: Field
    public var optimizer: OptimizerKind
    public var model: String
    /// As typed; empty means the optimizer's default.
    public var learningRate: String
    /// nil: full precision.
    public var qat: QATMethod?
    public var bits: Int
    /// The matrix products' arithmetic (fp32 or bf16 mixed precision).
    public var precision: MatmulPrecision

    public init(optimizer: OptimizerKind = .adamw, model: String = "tiny", learningRate: String = "",
                qat: QATMethod? = nil, bits: Int = 4, precision: MatmulPrecision = .fp32, field: Field = .optimizer) {
        self.precision = precision
        self.optimizer = optimizer
        self.model = model
        self.learningRate = learningRate
        self.qat = qat
        self.bits = bits
        self.field = field
    }

    /// The value of `field` as the form shows it.
    public func value(of field: Field) -> String {
        switch field {
        case .optimizer: return optimizer.rawValue
        case .model: return model
        case .learningRate: return learningRate
        case .qat: return qat?.rawValue ?? "none"
        case .bits: return "\(bits)"
        case .precision: return precision.rawValue
        }
    }

    /// True for fields whose value is picked from a list rather than typed.
    public static func isChoice(_ field: Field) -> Bool { field != .learningRate }

    mutating func moveField(by offset: Int) {
        let count = Field.allCases.count
        field = Field(rawValue: ((field.rawValue + offset) % count + count) % count)!
    }

    /// Moves a choice field to the next (1) or previous (-1) value, wrapping around.
    mutating func cycleValue(by offset: Int) {
        func cycled<T: Equatable>(_ value: T, in choices: [T]) -> T {
            let index = choices.firstIndex(of: value) ?? 0
            return choices[((index + offset) % choices.count + choices.count) % choices.count]
        }
        switch field {
        case .optimizer: optimizer = cycled(optimizer, in: Self.optimizers)
        case .model: model = cycled(model, in: Self.models)
        case .qat: qat = cycled(qat, in: Self.qatModes)
        case .bits: bits = cycled(bits, in: Self.bitChoices)
        case .precision: precision = cycled(precision, in: MatmulPrecision.allCases)
        case .learningRate: break
        }
    }

    mutating func type(_ character: Character) {
        guard field == .learningRate, Self.numberCharacters.contains(character), learningRate.count < 16 else { return }
        learningRate.append(character)
    }

    mutating func deleteBackward() {
        if field == .learningRate, !learningRate.isEmpty { learningRate.removeLast() }
    }

    /// The run the form describes, as the fields it sets over the command line's (its QAT
    /// bits go to weights and inputs alike), or the one-line reason it cannot start.
    public func request() -> Result<RunOverrides, QScopeError> {
        var request = RunOverrides()
        let text = learningRate.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty {
            guard let value = Float(text), value.isFinite, value > 0 else {
                return .failure(.badInput("lr must be a positive number (got '\(text)')"))
            }
            request.learningRate = value
        }
        request.optimizer = .one(optimizer)
        request.model = model
        request.precision = precision
        request.qat = qat.map { QATOverrides(method: $0, bits: bits, actBits: bits) } ?? QATOverrides.none
        return .success(request)
    }
}
