// Loss functions with torch.nn.functional's names and semantics. Each computes
// the loss and, when `grad` is given, its gradient with respect to the input,
// into caller-provided buffers: a training loop allocates nothing.
//
// Common conventions:
// - Buffers hold elements of `dtype` (Float or Double), aligned to the element
//   size, not overlapping; class-index targets are Int64.
// - `loss` receives one element for `.mean` and `.sum`, and one element per
//   input element (per sample for crossEntropy and nllLoss) for `.none`.
// - `grad` (optional) receives dloss/dinput, input's shape, overwritten. For
//   `.none` it is the gradient of the sum of the losses (torch's backward with
//   a gradient of ones).
// - Everything is computed in Double; sums use compensated summation; each
//   result is rounded once to `dtype`.
// - Every argument is validated before anything is written; a failure throws
//   an `OptimizerError` and leaves every buffer untouched. NaN inputs
//   propagate to the results.
//
// ```swift
// let x: [Float] = [0.5, 2], y: [Float] = [1, 1]
// var loss: Float = 0, grad: [Float] = [0, 0]
// try x.withUnsafeBytes { x in try y.withUnsafeBytes { y in
//     try withUnsafeMutableBytes(of: &loss) { l in try grad.withUnsafeMutableBytes { g in
//         try mseLoss(dtype: .float32, count: 2, input: x.baseAddress!, target: y.baseAddress!,
//                     loss: l.baseAddress!, grad: g.baseAddress)     // loss 0.625, grad [-0.5, 1]
//     } }
// } }
// ```

/// Checks that every dtype buffer is aligned to the element size (no array
/// of buffers is built: a loss call allocates nothing).
private func checkBuffers(_ dtype: DType, input: UnsafeRawPointer, target: UnsafeRawPointer? = nil,
                          weight: UnsafeRawPointer? = nil, posWeight: UnsafeRawPointer? = nil,
                          loss: UnsafeMutableRawPointer, grad: UnsafeMutableRawPointer?) throws {
    try LossArguments.aligned(input, dtype.size, "input")
    try LossArguments.aligned(target, dtype.size, "target")
    try LossArguments.aligned(weight, dtype.size, "weight")
    try LossArguments.aligned(posWeight, dtype.size, "pos_weight")
    try LossArguments.aligned(loss, dtype.size, "loss")
    try LossArguments.aligned(grad, dtype.size, "grad")
}

private func checkTargets(_ target: UnsafePointer<Int64>) throws {
    try LossArguments.aligned(UnsafeRawPointer(target), MemoryLayout<Int64>.alignment, "target")
}

// MARK: Element-wise losses

/// Mean squared error, torch's `mse_loss`: l_i = (x_i - y_i)²,
/// dl_i/dx_i = 2·(x_i - y_i). `count` elements in `input` and `target`.
public func mseLoss(dtype: DType, count: Int, input: UnsafeRawPointer, target: UnsafeRawPointer,
                    reduction: Reduction = .mean, loss: UnsafeMutableRawPointer,
                    grad: UnsafeMutableRawPointer? = nil) throws {
    try LossArguments.count(count, dtype, "count")
    try checkBuffers(dtype, input: input, target: target, loss: loss, grad: grad)
    switch dtype {
    case .float32: LossKernels.mse(count, input, target, reduction, loss, grad, as: Float.self)
    case .float64: LossKernels.mse(count, input, target, reduction, loss, grad, as: Double.self)
    }
}

/// Mean absolute error, torch's `l1_loss`: l_i = |x_i - y_i|,
/// dl_i/dx_i = sign(x_i - y_i) with sign(0) = 0.
public func l1Loss(dtype: DType, count: Int, input: UnsafeRawPointer, target: UnsafeRawPointer,
                   reduction: Reduction = .mean, loss: UnsafeMutableRawPointer,
                   grad: UnsafeMutableRawPointer? = nil) throws {
    try LossArguments.count(count, dtype, "count")
    try checkBuffers(dtype, input: input, target: target, loss: loss, grad: grad)
    switch dtype {
    case .float32: LossKernels.l1(count, input, target, reduction, loss, grad, as: Float.self)
    case .float64: LossKernels.l1(count, input, target, reduction, loss, grad, as: Double.self)
    }
}

/// torch's `huber_loss`: with d = x_i - y_i, l_i = ½d² where |d| < delta,
/// else delta·(|d| - ½delta); dl_i/dx_i = d, clipped to [-delta, delta].
/// `delta` must be finite and > 0 (`.outOfBounds`).
public func huberLoss(dtype: DType, count: Int, input: UnsafeRawPointer, target: UnsafeRawPointer,
                      delta: Double = 1, reduction: Reduction = .mean, loss: UnsafeMutableRawPointer,
                      grad: UnsafeMutableRawPointer? = nil) throws {
    try LossArguments.count(count, dtype, "count")
    try LossArguments.bounded(delta, "delta", 0, lowerExclusive: true)
    try checkBuffers(dtype, input: input, target: target, loss: loss, grad: grad)
    switch dtype {
    case .float32: LossKernels.huber(count, input, target, delta: delta, reduction, loss, grad, as: Float.self)
    case .float64: LossKernels.huber(count, input, target, delta: delta, reduction, loss, grad, as: Double.self)
    }
}

/// torch's `smooth_l1_loss`: with d = x_i - y_i, l_i = ½d²/beta where
/// |d| < beta, else |d| - ½beta; dl_i/dx_i = d/beta, clipped to [-1, 1].
/// `beta` must be finite and >= 0 (`.outOfBounds`); beta = 0 is `l1Loss`, as in torch.
public func smoothL1Loss(dtype: DType, count: Int, input: UnsafeRawPointer, target: UnsafeRawPointer,
                         beta: Double = 1, reduction: Reduction = .mean, loss: UnsafeMutableRawPointer,
                         grad: UnsafeMutableRawPointer? = nil) throws {
    try LossArguments.count(count, dtype, "count")
    try LossArguments.bounded(beta, "beta", 0)
    try checkBuffers(dtype, input: input, target: target, loss: loss, grad: grad)
    switch dtype {
    case .float32: LossKernels.smoothL1(count, input, target, beta: beta, reduction, loss, grad, as: Float.self)
    case .float64: LossKernels.smoothL1(count, input, target, beta: beta, reduction, loss, grad, as: Double.self)
    }
}

/// Binary hinge loss (the SVM loss; torch has no function of this form):
/// l_i = max(0, 1 - y_i·x_i) with targets y_i = -1 or +1 exactly
/// (`.invalidArgument` otherwise); dl_i/dx_i = -y_i where 1 - y_i·x_i > 0,
/// else 0 (the subgradient at the kink is 0, as relu's).
public func hingeLoss(dtype: DType, count: Int, input: UnsafeRawPointer, target: UnsafeRawPointer,
                      reduction: Reduction = .mean, loss: UnsafeMutableRawPointer,
                      grad: UnsafeMutableRawPointer? = nil) throws {
    try LossArguments.count(count, dtype, "count")
    try checkBuffers(dtype, input: input, target: target, loss: loss, grad: grad)
    func checkSigns<T: BinaryFloatingPoint>(_: T.Type) throws {
        let y = target.assumingMemoryBound(to: T.self)
        for i in 0..<count where y[i] != 1 && y[i] != -1 {
            throw OptimizerError(.invalidArgument, "target[\(i)] = \(Double(y[i])) is not -1 or +1")
        }
    }
    switch dtype {
    case .float32:
        try checkSigns(Float.self)
        LossKernels.hinge(count, input, target, reduction, loss, grad, as: Float.self)
    case .float64:
        try checkSigns(Double.self)
        LossKernels.hinge(count, input, target, reduction, loss, grad, as: Double.self)
    }
}

/// torch's `binary_cross_entropy_with_logits` over an (n, c) input of logits
/// x with targets y in [0, 1] (not checked, as in torch), row-major:
///
///     l_ij = -w_ij·[p_j·y_ij·log σ(x_ij) + (1 - y_ij)·log(1 - σ(x_ij))]
///     dl_ij/dx_ij = w_ij·[(1 - y_ij)·σ(x_ij) - p_j·y_ij·σ(-x_ij)]
///
/// computed as softplus terms (finite for any finite logit). `weight`
/// (optional, n·c elements; torch's `weight` broadcast to the input) and
/// `posWeight` (optional, c elements, one per column; torch's `pos_weight`)
/// default to 1. For a 1-D input use c = 1 (then `posWeight` is a scalar).
/// Mean divides by n·c.
public func binaryCrossEntropyWithLogits(
    dtype: DType, samples n: Int, classes c: Int, input: UnsafeRawPointer, target: UnsafeRawPointer,
    weight: UnsafeRawPointer? = nil, posWeight: UnsafeRawPointer? = nil, reduction: Reduction = .mean,
    loss: UnsafeMutableRawPointer, grad: UnsafeMutableRawPointer? = nil
) throws {
    _ = try LossArguments.matrix(n, c, dtype, rows: "n", columns: "c")
    try checkBuffers(dtype, input: input, target: target, weight: weight, posWeight: posWeight,
                     loss: loss, grad: grad)
    switch dtype {
    case .float32:
        LossKernels.bceWithLogits(n, c, input, target, weight: weight, posWeight: posWeight, reduction, loss, grad,
                                  as: Float.self)
    case .float64:
        LossKernels.bceWithLogits(n, c, input, target, weight: weight, posWeight: posWeight, reduction, loss, grad,
                                  as: Double.self)
    }
}

// MARK: Losses over class scores

/// torch's `cross_entropy` over logits x of shape (n, c) (row-major) with
/// class-index targets t (n Int64 values, each in [0, c) or equal to
/// `ignoreIndex`; `.indexOutOfRange` otherwise). With p = softmax(x_i),
/// class weights w (optional, c elements, default 1) and label smoothing ε:
///
///     l_i = (1 - ε)·(-w_t·log p_t) + ε/c·Σ_j (-w_j·log p_j)     (l_i = 0 if ignored)
///     dl_i/dx_ij = (1 - ε)·w_t·(p_j - [j = t]) + ε/c·(Σ_k w_k·p_j - w_j)
///
/// Mean divides the sum by Σ w_t over non-ignored samples (torch's weighted
/// mean; NaN when every sample is ignored, as in torch). Log-softmax is
/// computed with log-sum-exp, finite for any finite logits. `labelSmoothing`
/// must be in [0, 1] (`.outOfBounds`).
public func crossEntropy(
    dtype: DType, samples n: Int, classes c: Int, input: UnsafeRawPointer, target: UnsafePointer<Int64>,
    weight: UnsafeRawPointer? = nil, ignoreIndex: Int64 = -100, labelSmoothing: Double = 0,
    reduction: Reduction = .mean, loss: UnsafeMutableRawPointer, grad: UnsafeMutableRawPointer? = nil
) throws {
    _ = try LossArguments.matrix(n, c, dtype, rows: "n", columns: "c")
    try LossArguments.bounded(labelSmoothing, "label_smoothing", 0, 1)
    try checkBuffers(dtype, input: input, weight: weight, loss: loss, grad: grad)
    try checkTargets(target)
    switch dtype {
    case .float32:
        let d = try LossArguments.classTargets(target, n, c, ignoreIndex, weight?.assumingMemoryBound(to: Float.self))
        LossKernels.crossEntropy(n, c, input, target, weight: weight, ignoreIndex: ignoreIndex,
                                 labelSmoothing: labelSmoothing, denominator: d, reduction, loss, grad, as: Float.self)
    case .float64:
        let d = try LossArguments.classTargets(target, n, c, ignoreIndex, weight?.assumingMemoryBound(to: Double.self))
        LossKernels.crossEntropy(n, c, input, target, weight: weight, ignoreIndex: ignoreIndex,
                                 labelSmoothing: labelSmoothing, denominator: d, reduction, loss, grad, as: Double.self)
    }
}

/// torch's `cross_entropy` with class-probability targets y of shape (n, c)
/// (not checked, as in torch). With p = softmax(x_i), class weights w
/// (optional, c elements) and smoothed targets y'_ij = (1 - ε)·y_ij + ε/c:
///
///     l_i = -Σ_j w_j·y'_ij·log p_j
///     dl_i/dx_ij = p_j·Σ_k w_k·y'_ik - w_j·y'_ij
///
/// Mean divides by n (torch: weights do not enter the mean's denominator
/// here). A zero target contributes zero whatever its logit.
public func crossEntropy(
    dtype: DType, samples n: Int, classes c: Int, input: UnsafeRawPointer, targetProbabilities target: UnsafeRawPointer,
    weight: UnsafeRawPointer? = nil, labelSmoothing: Double = 0, reduction: Reduction = .mean,
    loss: UnsafeMutableRawPointer, grad: UnsafeMutableRawPointer? = nil
) throws {
    _ = try LossArguments.matrix(n, c, dtype, rows: "n", columns: "c")
    try LossArguments.bounded(labelSmoothing, "label_smoothing", 0, 1)
    try checkBuffers(dtype, input: input, target: target, weight: weight, loss: loss, grad: grad)
    switch dtype {
    case .float32:
        LossKernels.crossEntropyProbabilities(n, c, input, target, weight: weight, labelSmoothing: labelSmoothing,
                                              reduction, loss, grad, as: Float.self)
    case .float64:
        LossKernels.crossEntropyProbabilities(n, c, input, target, weight: weight, labelSmoothing: labelSmoothing,
                                              reduction, loss, grad, as: Double.self)
    }
}

/// torch's `nll_loss` over log-probabilities x of shape (n, c) with
/// class-index targets t (as in `crossEntropy`) and class weights w:
/// l_i = -w_t·x_it (0 if ignored); dl_i/dx_ij = -w_t where j = t, else 0.
/// Mean divides by Σ w_t over non-ignored samples.
public func nllLoss(
    dtype: DType, samples n: Int, classes c: Int, input: UnsafeRawPointer, target: UnsafePointer<Int64>,
    weight: UnsafeRawPointer? = nil, ignoreIndex: Int64 = -100, reduction: Reduction = .mean,
    loss: UnsafeMutableRawPointer, grad: UnsafeMutableRawPointer? = nil
) throws {
    _ = try LossArguments.matrix(n, c, dtype, rows: "n", columns: "c")
    try checkBuffers(dtype, input: input, weight: weight, loss: loss, grad: grad)
    try checkTargets(target)
    switch dtype {
    case .float32:
        let d = try LossArguments.classTargets(target, n, c, ignoreIndex, weight?.assumingMemoryBound(to: Float.self))
        LossKernels.nll(n, c, input, target, weight: weight, ignoreIndex: ignoreIndex, denominator: d,
                        reduction, loss, grad, as: Float.self)
    case .float64:
        let d = try LossArguments.classTargets(target, n, c, ignoreIndex, weight?.assumingMemoryBound(to: Double.self))
        LossKernels.nll(n, c, input, target, weight: weight, ignoreIndex: ignoreIndex, denominator: d,
                        reduction, loss, grad, as: Double.self)
    }
}
