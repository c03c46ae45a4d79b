#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import _SwiftOptSupport

// The bridge from a group's hyperparameters to the kernels' so_update: every
// scalar is computed here in Double, once per tensor per step, and rounded to
// the element type by the kernel (see _SwiftOptKernelsBase/Kernels.swift).

extension so_update {
    /// One tensor of one update of `h`'s algorithm.
    /// - previousStep: the step count before this update (torch's `step`
    ///   before `step += 1`).
    /// - momentumInitialized: SGD, whether momentum_buffer holds a value yet.
    /// - clipScale: min(max_norm / (norm + 1e-6), 1), nil when max_grad_norm is off.
    init(_ h: ParamGroup, _ dtype: DType, param: UnsafeMutableRawPointer, grad: UnsafeRawPointer, count: Int,
         state state_: StatePointers, previousStep: Int64, momentumInitialized: Bool, clipScale: Double?) {
        self.init()
        self.param = param
        self.grad = grad
        self.count = Int64(count)
        is_double = dtype == .float64 ? 1 : 0
        let algorithm = h.algorithm
        let decay = h[.weightDecay] != 0
        let decouple = algorithm == .adamw
            || (algorithm.spec(.decoupledWeightDecay) != nil && h[.decoupledWeightDecay] != 0)
        var f: Int32 = 0
        func flag(_ on: Bool, _ bit: Int) { if on { f |= Int32(bit) } }
        sign = h[.maximize] != 0 ? -1 : 1
        flag(clipScale != nil, SO_SCALED)
        scale = clipScale ?? 1
        flag(h[.clipValue] > 0, SO_CLIPPING)
        clip = h[.clipValue]
        flag(decay && !decouple, SO_COUPLED)
        weight_decay = h[.weightDecay]
        flag(decay && decouple, SO_DECOUPLED)
        shrink = 1 - h[.lr] * h[.weightDecay]
        flag(h[.l1] > 0, SO_PROXIMAL)
        threshold = h[.lr] * h[.l1]
        let step = Double(previousStep) + 1
        switch algorithm {
        case .sgd:
            self.algorithm = Int32(SO_SGD)
            self.state.0 = state_.momentumBuffer
            flag(state_.momentumBuffer != nil, SO_MOMENTUM)
            flag(!momentumInitialized, SO_FIRST)
            flag(h[.nesterov] != 0, SO_NESTEROV)
            c = (h[.lr], h[.momentum], 1 - h[.dampening], 0, 0, 0)
        case .adagrad:
            self.algorithm = Int32(SO_ADAGRAD)
            self.state.0 = state_.sum
            c = (-h[.lr] / (1 + (step - 1) * h[.lrDecay]), h[.eps], 0, 0, 0, 0)
        case .rmsprop:
            self.algorithm = Int32(SO_RMSPROP)
            self.state = (state_.squareAvg, state_.momentumBuffer, state_.gradAvg)
            flag(state_.momentumBuffer != nil, SO_MOMENTUM)
            flag(state_.gradAvg != nil, SO_CENTERED)
            c = (h[.lr], h[.eps], h[.momentum], h[.alpha], 1 - h[.alpha], 0)
        case .adam, .adamw:
            self.algorithm = Int32(SO_ADAM)
            self.state = (state_.expAvg, state_.expAvgSq, state_.maxExpAvgSq)
            flag(state_.maxExpAvgSq != nil, SO_AMSGRAD)
            let beta1 = h[.beta1], beta2 = h[.beta2]
            c = (-h[.lr] / (1 - pow(beta1, step)), (1 - pow(beta2, step)).squareRoot(),
                 1 - beta1, beta2, 1 - beta2, h[.eps])
        }
        flags = f
    }
}
