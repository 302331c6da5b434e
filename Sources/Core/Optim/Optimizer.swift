import Dispatch

/// A named state buffer an update rule keeps for one parameter tensor.
public struct StateSlot: Sendable, Equatable {
    public let name: String
    public let shape: [Int]

    public init(_ name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
    }
}

/// The state one rule keeps for one parameter: its slots' tensors, in `stateSlots` order.
public final class TensorState {
    public let slots: [StateSlot]
    public let tensors: [Tensor]
    /// Updates applied to this tensor so far (the `t` of bias corrections).
    public var step: Int = 0
    /// Scratch a rule keeps between steps that is not state (eigen/NS workspaces, sized once per
    /// shape); never saved, rebuilt on demand.
    public var workspace: AnyObject?

    public init(slots: [StateSlot]) {
        self.slots = slots
        self.tensors = slots.map { Tensor(shape: $0.shape) }
    }

    public subscript(_ name: String) -> Tensor {
        tensors[slots.firstIndex { $0.name == name }!]
    }

    var byteCount: Int { tensors.reduce(0) { $0 + $1.count * MemoryLayout<Float>.stride } }
}

/// A pure per-tensor update rule: how one parameter moves given its gradient and its state.
///
/// Rules know nothing of roles or schedules; an `Optimizer` decides which rule each parameter
/// gets and at what learning rate. Implementations must not allocate in `update`.
public protocol UpdateRule: Sendable {
    /// The state buffers kept for `parameter` (empty for stateless rules).
    func stateSlots(for parameter: ParameterInfo) -> [StateSlot]
    /// Moves `parameter` in place. `state.step` has already been incremented (it is 1 on the
    /// first update).
    func update(parameter: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
                info: ParameterInfo, state: TensorState, lr: Float)
    /// Relative cost of one `update` of `parameter`, used to balance updates across threads.
    func cost(for parameter: ParameterInfo) -> Double
}

extension UpdateRule {
    /// Elementwise rules cost in proportion to the element count.
    public func cost(for parameter: ParameterInfo) -> Double { Double(parameter.count) }

    /// Rules built on m×n matrix products (Newton–Schulz, Kronecker factors) cost about
    /// m·n·min(m, n); vectors cost their length.
    public func matrixProductCost(for parameter: ParameterInfo) -> Double {
        guard parameter.shape.count == 2 else { return Double(parameter.count) }
        return Double(parameter.count) * Double(parameter.shape.min()!)
    }
}

/// Which rule a parameter role gets, and how its learning rate relates to the scheduled one.
public struct RoleAssignment: Sendable {
    public enum LearningRate: Sendable {
        /// The scheduled learning rate times a factor.
        case scheduled(scale: Float)
        /// A fixed base rate, still shaped by the schedule's warm-up and decay factor.
        case fixed(Float)
    }

    public let rule: any UpdateRule
    public let learningRate: LearningRate

    public init(rule: any UpdateRule, learningRate: LearningRate = .scheduled(scale: 1)) {
        self.rule = rule
        self.learningRate = learningRate
    }
}

/// An optimizer for the whole model: one rule per parameter role (the study's three groups:
/// hidden matrices, the tied embedding/head, vector parameters), with state per tensor.
public final class Optimizer {
    public let name: String
    public let layout: ParameterLayout
    private let assignments: [ParameterRole: RoleAssignment]
    /// State per parameter, in layout order.
    public let states: [TensorState]

    public init(name: String, layout: ParameterLayout, assignments: [ParameterRole: RoleAssignment]) {
        precondition(ParameterRole.allCases.allSatisfy { assignments[$0] != nil },
                     "optimizer \(name) must assign a rule to every parameter role")
        self.name = name
        self.layout = layout
        self.assignments = assignments
        states = layout.parameters.map { TensorState(slots: assignments[$0.role]!.rule.stateSlots(for: $0)) }
    }

    /// Threads the per-tensor updates are spread over (each tensor's update is independent, so
    /// the result does not depend on this).
    public var threads: Int = 1 {
        didSet { lanes = partition(into: threads) }
    }
    private var lanes: [[Int]] = []

    /// Bytes of optimizer state over all parameters.
    public var stateByteCount: Int { states.reduce(0) { $0 + $1.byteCount } }

    /// Applies one update to every parameter. `baseLR` is the peak learning rate for the
    /// scheduled groups and `factor` the schedule's multiplier at this step.
    public func step(parameters: Tensor, gradients: Tensor, baseLR: Float, factor: Float) {
        let update = { (i: Int) in
            let info = self.layout.parameters[i]
            let assignment = self.assignments[info.role]!
            let lr: Float
            switch assignment.learningRate {
            case .scheduled(let scale): lr = baseLR * scale * factor
            case .fixed(let value): lr = value * factor
            }
            let state = self.states[i]
            state.step += 1
            assignment.rule.update(
                parameter: UnsafeMutableBufferPointer(start: parameters.data + info.offset, count: info.count),
                gradient: UnsafeBufferPointer(start: gradients.data + info.offset, count: info.count),
                info: info, state: state, lr: lr)
        }
        guard threads > 1 else {
            layout.parameters.indices.forEach(update)
            return
        }
        let lanes = self.lanes
        withoutActuallyEscaping(update) { update in
            let work = TensorWork(update: update)
            // Dispatch's worker threads do not inherit the trainer's MXCSR: flush denormals on each.
            DispatchQueue.concurrentPerform(iterations: lanes.count) { lane in
                CPU.flushDenormals()
                CPU.applyTrainingPriority()
                lanes[lane].forEach(work.update)
            }
        }
    }

    /// Tensor indices split into `threads` lanes of similar cost (each rule's estimate), most
    /// expensive first into the lightest lane; fixed for a layout, so runs are reproducible.
    private func partition(into threads: Int) -> [[Int]] {
        let costs = layout.parameters.map { assignments[$0.role]!.rule.cost(for: $0) }
        var lanes = [[Int]](repeating: [], count: threads)
        var load = [Double](repeating: 0, count: threads)
        for i in costs.indices.sorted(by: { costs[$0] > costs[$1] }) {
            let lane = load.indices.min { load[$0] < load[$1] }!
            lanes[lane].append(i)
            load[lane] += costs[i]
        }
        return lanes
    }

    /// Every state tensor with a stable name (`optim.<parameter>.<slot>`), for checkpoints.
    public var namedStateTensors: [(name: String, tensor: Tensor)] {
        var out: [(String, Tensor)] = []
        for (info, state) in zip(layout.parameters, states) {
            for (slot, tensor) in zip(state.slots, state.tensors) {
                out.append(("optim.\(info.name).\(slot.name)", tensor))
            }
        }
        return out
    }

    /// Sets every tensor's update count (restored from a checkpoint).
    public func setStepCount(_ step: Int) {
        for state in states { state.step = step }
    }
}

/// A per-tensor update handed to `concurrentPerform`.
///
/// Safe to share: each tensor index belongs to exactly one lane, and an update touches only its
/// own parameter slice, gradient slice and `TensorState`; `concurrentPerform` returns after every
/// lane has finished.
private struct TensorWork: @unchecked Sendable {
    let update: (Int) -> Void
}
