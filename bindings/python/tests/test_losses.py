"""swiftopt.losses: values and gradients against torch.nn.functional with
autograd and against independent numpy references, fp32 and fp64, every
reduction; extreme inputs; output buffers; bad input.

Tolerances. fp64: 1e-12 relative (to the largest magnitude of the reference
array). fp32: the library computes every value in double from the fp32
inputs and rounds each result once to fp32 (include/swiftopt.h, "Loss
functions", precision), so against the exact value -- torch in float64 on the
same fp32 inputs, upcast -- each element is within half an fp32 ulp:
|ours32 - exact| <= eps32/2 |exact| <= eps32 * max|exact|; a wrong formula or a
float-accumulated sum would be off by far more on these sizes. torch's own
fp32 result is only compared for the record (it accumulates in fp32).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import swiftopt
from swiftopt import losses
from conftest import record_parity

EPS32 = float(np.finfo(np.float32).eps)
REDUCTIONS = ["mean", "sum", "none"]
DTYPES = [np.float64, np.float32]
DT_IDS = ["fp64", "fp32"]


def rel(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = max(float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b))) / scale


def check(name, dtype, ours, exact, theirs32=None):
    """ours = (loss, grad) from swiftopt; exact = (loss, grad) in float64."""
    (loss, grad), (eloss, egrad) = ours, exact
    assert np.all(np.isfinite(grad)) or not np.all(np.isfinite(egrad))
    err = max(rel(loss, eloss), rel(grad, egrad))
    bound = 1e-12 if dtype == np.float64 else EPS32
    suite = "torch-loss" if theirs32 is not None or dtype == np.float64 else "torch-loss"
    record_parity(suite, name, np.dtype(dtype).name, err)
    if theirs32 is not None:
        record_parity("torch32-loss-own", name, "float32", max(rel(theirs32[0], eloss), rel(theirs32[1], egrad)))
    assert err <= bound, f"{name}: relative error {err:.3e} > {bound:.1e}"


def torch_loss(torch, fn, x, *args, reduction="mean", **kwargs):
    """(loss, grad) from torch with autograd: grad of the loss (of its sum for 'none')."""
    tx = torch.tensor(x, requires_grad=True)
    targs = [torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args]
    tkw = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    out = fn(tx, *targs, reduction=reduction, **tkw)
    out.sum().backward()
    loss = out.detach().numpy()
    return (float(loss) if reduction != "none" else loss), tx.grad.numpy()


def against_torch(torch, name, ours_fn, torch_fn, dtype, x, args, kwargs, reduction):
    """Runs ours in dtype; torch in float64 on the same (dtype-rounded) inputs
    as the exact reference; torch in fp32 for the record."""
    x = x.astype(dtype)
    args = [a.astype(dtype) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in args]
    kwargs = {k: v.astype(dtype) if isinstance(v, np.ndarray) and v.dtype.kind == "f" else v for k, v in kwargs.items()}
    loss, grad = ours_fn(x, *args, reduction=reduction, **kwargs)
    assert grad.dtype == dtype and grad.shape == x.shape
    if reduction == "none":
        assert isinstance(loss, np.ndarray) and loss.dtype == dtype
    else:
        assert isinstance(loss, float)
    up = lambda a: a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a  # noqa: E731
    exact = torch_loss(torch, torch_fn, up(x), *[up(a) for a in args], reduction=reduction,
                       **{k: up(v) for k, v in kwargs.items()})
    theirs32 = None
    if dtype == np.float32:
        theirs32 = torch_loss(torch, torch_fn, x, *args, reduction=reduction, **kwargs)
    check(name, dtype, (loss, grad), exact, theirs32)
    return loss, grad


# ---- data --------------------------------------------------------------------

RNG = np.random.default_rng(2024)
X = RNG.standard_normal((7, 5)) * 2
Y = RNG.standard_normal((7, 5)) * 2
Y[0, :2] = X[0, :2]  # exact ties: gradient sign(0) = 0
PM1 = np.where(RNG.standard_normal((7, 5)) > 0, 1.0, -1.0)
XH = X.copy()
XH[1, 0], PM1[1, 0] = 1.0, 1.0  # exactly at the hinge's kink
PROB = 1 / (1 + np.exp(-RNG.standard_normal((7, 5))))
PROB[2] = [0.0, 1.0, 0.0, 1.0, 0.5]  # exact 0 and 1
N, C = 9, 6
LOGITS = RNG.standard_normal((N, C)) * 3
LABELS = RNG.integers(0, C, N)
LABELS[3] = -100
LABELS[5] = 2
CW = RNG.uniform(0.5, 2.0, C)
SOFT = np.exp(RNG.standard_normal((N, C)))
SOFT /= SOFT.sum(1, keepdims=True)
SOFT[0] = np.eye(C)[1]  # a one-hot row: exact 0s and a 1
LOGP = LOGITS - np.log(np.exp(LOGITS).sum(1, keepdims=True))


def labels_for(options):
    """LABELS, with the -100 entries moved to ignore_index when it is set."""
    if "ignore_index" not in options:
        return LABELS
    return np.where(LABELS == -100, options["ignore_index"], LABELS)


def elementwise_cases(F):
    return [
        ("mse_loss", losses.mse_loss, F.mse_loss, X, [Y], {}),
        ("l1_loss", losses.l1_loss, F.l1_loss, X, [Y], {}),
        ("huber_loss", losses.huber_loss, F.huber_loss, X, [Y], {}),
        ("huber_loss", lambda *a, **k: losses.huber_loss(*a, delta=0.7, **k),
         lambda *a, **k: F.huber_loss(*a, delta=0.7, **k), X, [Y], {}),
        ("smooth_l1_loss", losses.smooth_l1_loss, F.smooth_l1_loss, X, [Y], {}),
        ("smooth_l1_loss", lambda *a, **k: losses.smooth_l1_loss(*a, beta=2.5, **k),
         lambda *a, **k: F.smooth_l1_loss(*a, beta=2.5, **k), X, [Y], {}),
        ("smooth_l1_loss", lambda *a, **k: losses.smooth_l1_loss(*a, beta=0.0, **k),
         lambda *a, **k: F.smooth_l1_loss(*a, beta=0.0, **k), X, [Y], {}),
        ("hinge_loss", losses.hinge_loss, lambda x, y, reduction: _torch_hinge(x, y, reduction), XH, [PM1], {}),
    ]


def _torch_hinge(x, y, reduction):
    import torch

    out = torch.relu(1 - y * x)
    return {"mean": out.mean, "sum": out.sum, "none": lambda: out}[reduction]()


def bce_cases():
    return [
        ({}, "plain"),
        ({"weight": RNG.uniform(0.5, 2, (7, 5))}, "weight"),
        ({"weight": RNG.uniform(0.5, 2, 5)}, "weight-broadcast"),
        ({"pos_weight": RNG.uniform(0.5, 3, 5)}, "pos_weight"),
        ({"pos_weight": np.array([2.5])}, "pos_weight-scalar"),
        ({"weight": RNG.uniform(0.5, 2, (7, 5)), "pos_weight": RNG.uniform(0.5, 3, 5)}, "both"),
    ]


CE_OPTIONS = [
    ({}, "plain"),
    ({"weight": CW}, "weight"),
    ({"label_smoothing": 0.2}, "smoothing"),
    ({"weight": CW, "label_smoothing": 0.15}, "weight-smoothing"),
    ({"ignore_index": 2}, "ignore-a-class"),
    ({"weight": CW, "ignore_index": 2, "label_smoothing": 0.1}, "all"),
]


# ---- against torch -----------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_elementwise_losses_match_torch(torch, dtype, reduction):
    import torch.nn.functional as F

    for name, ours, theirs, x, args, kwargs in elementwise_cases(F):
        against_torch(torch, name, ours, theirs, dtype, x, args, kwargs, reduction)


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options,label", bce_cases(), ids=[c[1] for c in bce_cases()])
def test_bce_with_logits_matches_torch(torch, dtype, reduction, options, label):
    import torch.nn.functional as F

    against_torch(torch, "binary_cross_entropy_with_logits", losses.binary_cross_entropy_with_logits,
                  F.binary_cross_entropy_with_logits, dtype, X, [PROB], options, reduction)
    # 1-D input with a per-element pos_weight as the last dimension
    if "pos_weight" in options and options["pos_weight"].size > 1:
        x1, y1 = X[0], PROB[2]
        against_torch(torch, "binary_cross_entropy_with_logits", losses.binary_cross_entropy_with_logits,
                      F.binary_cross_entropy_with_logits, dtype, x1, [y1], {"pos_weight": options["pos_weight"]},
                      reduction)


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options,label", CE_OPTIONS, ids=[c[1] for c in CE_OPTIONS])
def test_cross_entropy_class_indices_matches_torch(torch, dtype, reduction, options, label):
    import torch.nn.functional as F

    against_torch(torch, "cross_entropy", losses.cross_entropy, F.cross_entropy, dtype, LOGITS, [labels_for(options)], options,
                  reduction)


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options,label", [c for c in CE_OPTIONS if "ignore_index" not in c[0]],
                         ids=[c[1] for c in CE_OPTIONS if "ignore_index" not in c[0]])
def test_cross_entropy_probabilities_matches_torch(torch, dtype, reduction, options, label):
    import torch.nn.functional as F

    against_torch(torch, "cross_entropy_probs", losses.cross_entropy, F.cross_entropy, dtype, LOGITS, [SOFT], options,
                  reduction)


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options,label", [c for c in CE_OPTIONS if "label_smoothing" not in c[0]],
                         ids=[c[1] for c in CE_OPTIONS if "label_smoothing" not in c[0]])
def test_nll_loss_matches_torch(torch, dtype, reduction, options, label):
    import torch.nn.functional as F

    against_torch(torch, "nll_loss", losses.nll_loss, F.nll_loss, dtype, LOGP, [labels_for(options)], options, reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_unbatched_inputs_match_torch(torch, reduction):
    import torch.nn.functional as F

    t = np.array(4, dtype=np.int64)
    loss, _ = against_torch(torch, "cross_entropy", losses.cross_entropy, F.cross_entropy, np.float64, LOGITS[0], [t],
                            {"label_smoothing": 0.1}, reduction)
    if reduction == "none":
        assert loss.shape == ()
    against_torch(torch, "cross_entropy_probs", losses.cross_entropy, F.cross_entropy, np.float64, LOGITS[0], [SOFT[1]],
                  {}, reduction)
    against_torch(torch, "nll_loss", losses.nll_loss, F.nll_loss, np.float64, LOGP[0], [t], {"weight": CW}, reduction)


def test_all_samples_ignored_gives_nan_mean_like_torch(torch):
    import torch.nn.functional as F

    labels = np.full(N, -100, dtype=np.int64)
    loss, grad = losses.cross_entropy(LOGITS, labels)
    expected = F.cross_entropy(torch.from_numpy(LOGITS), torch.from_numpy(labels))
    assert np.isnan(loss) and np.isnan(float(expected))
    np.testing.assert_array_equal(grad, 0.0)
    assert losses.cross_entropy(LOGITS, labels, reduction="sum")[0] == 0.0


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
def test_extreme_inputs_are_finite_and_match_torch(torch, dtype):
    import torch.nn.functional as F

    big = np.array([[1e4, -1e4, 0.0, 1e4], [-1e4, -1e4, -1e4, 1e4], [3.0, -1e4, 1e4, -2.0]])
    labels = np.array([1, 0, 2], dtype=np.int64)
    onehot = np.eye(4)[[1, 3, 0]]  # probabilities exactly 0 and 1
    probs01 = np.array([[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
    for reduction in REDUCTIONS:
        for name, ours, theirs, args, kwargs in [
            ("cross_entropy", losses.cross_entropy, F.cross_entropy, [labels], {"label_smoothing": 0.1}),
            ("cross_entropy_probs", losses.cross_entropy, F.cross_entropy, [onehot], {}),
            ("binary_cross_entropy_with_logits", losses.binary_cross_entropy_with_logits,
             F.binary_cross_entropy_with_logits, [probs01], {"pos_weight": np.array([0.5, 1, 2, 3.0])}),
            ("nll_loss", losses.nll_loss, F.nll_loss, [labels], {}),
        ]:
            x = big if name != "nll_loss" else big - 1e4
            loss, grad = against_torch(torch, name, ours, theirs, dtype, x, args, kwargs, reduction)
            assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad)), (name, reduction)


# ---- against numpy references ------------------------------------------------


def _reduce(l, g, reduction, denominator=None):
    if reduction == "none":
        return l, g
    if reduction == "sum":
        return float(l.sum()), g
    d = l.size if denominator is None else denominator
    return float(l.sum() / d), g / d


def np_elementwise(name, x, y, reduction, delta=1.0, beta=1.0):
    d = x - y
    if name == "mse_loss":
        l, g = d * d, 2 * d
    elif name == "l1_loss":
        l, g = np.abs(d), np.sign(d)
    elif name == "huber_loss":
        l = np.where(np.abs(d) < delta, 0.5 * d * d, delta * (np.abs(d) - 0.5 * delta))
        g = np.clip(d, -delta, delta)
    elif name == "smooth_l1_loss":
        if beta == 0:
            l, g = np.abs(d), np.sign(d)
        else:
            l = np.where(np.abs(d) < beta, 0.5 * d * d / beta, np.abs(d) - 0.5 * beta)
            g = np.clip(d / beta, -1, 1)
    elif name == "hinge_loss":
        m = 1 - y * x
        l, g = np.maximum(m, 0), np.where(m > 0, -y, 0.0)
    return _reduce(l, g, reduction)


def np_bce(x, y, reduction, weight=None, pos_weight=None):
    w = np.ones_like(x) if weight is None else np.broadcast_to(weight, x.shape)
    p = np.ones(x.shape[-1]) if pos_weight is None else pos_weight
    softplus = lambda z: np.logaddexp(0, z)  # noqa: E731
    sigmoid = lambda z: 0.5 * (1 + np.tanh(z / 2))  # noqa: E731
    l = w * (p * y * softplus(-x) + (1 - y) * softplus(x))
    g = w * ((1 - y) * sigmoid(x) - p * y * sigmoid(-x))
    return _reduce(l, g, reduction)


def np_log_softmax(x):
    m = x.max(1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(1, keepdims=True))


def np_cross_entropy(x, t, reduction, weight=None, ignore_index=-100, label_smoothing=0.0):
    n, c = x.shape
    w = np.ones(c) if weight is None else weight
    logp = np_log_softmax(x)
    p = np.exp(logp)
    e = label_smoothing
    l, g, den = np.zeros(n), np.zeros_like(x), 0.0
    for i in range(n):
        if t[i] == ignore_index:
            continue
        k = t[i]
        onehot = np.eye(c)[k]
        l[i] = (1 - e) * (-w[k] * logp[i, k]) + e / c * np.sum(-w * logp[i])
        g[i] = (1 - e) * w[k] * (p[i] - onehot) + e / c * (p[i] * w.sum() - w)
        den += w[k]
    return _reduce(l, g, reduction, den)


def np_cross_entropy_probs(x, y, reduction, weight=None, label_smoothing=0.0):
    n, c = x.shape
    w = np.ones(c) if weight is None else weight
    logp = np_log_softmax(x)
    p = np.exp(logp)
    ys = (1 - label_smoothing) * y + label_smoothing / c
    l = -np.sum(w * ys * logp, axis=1)
    g = p * np.sum(w * ys, axis=1, keepdims=True) - w * ys
    return _reduce(l, g, reduction, n)


def np_nll(x, t, reduction, weight=None, ignore_index=-100):
    n, c = x.shape
    w = np.ones(c) if weight is None else weight
    l, g, den = np.zeros(n), np.zeros_like(x), 0.0
    for i in range(n):
        if t[i] != ignore_index:
            l[i], g[i, t[i]] = -w[t[i]] * x[i, t[i]], -w[t[i]]
            den += w[t[i]]
    return _reduce(l, g, reduction, den)


def numpy_check(name, ours, ref, dtype):
    err = max(rel(ours[0], ref[0]), rel(ours[1], ref[1]))
    record_parity("numpy-loss", name, np.dtype(dtype).name, err)
    assert err <= (1e-12 if dtype == np.float64 else EPS32), f"{name}: {err:.3e}"


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_losses_match_numpy_references(dtype, reduction):
    x, y = X.astype(dtype), Y.astype(dtype)
    X64, Y64 = x.astype(np.float64), y.astype(np.float64)
    for name, kw in [("mse_loss", {}), ("l1_loss", {}), ("huber_loss", {"delta": 0.7}), ("huber_loss", {}),
                     ("smooth_l1_loss", {"beta": 2.5}), ("smooth_l1_loss", {"beta": 0.0})]:
        numpy_check(name, getattr(losses, name)(x, y, reduction=reduction, **kw),
                    np_elementwise(name, X64, Y64, reduction, **kw), dtype)
    xh, pm = XH.astype(dtype), PM1.astype(dtype)
    numpy_check("hinge_loss", losses.hinge_loss(xh, pm, reduction=reduction),
                np_elementwise("hinge_loss", xh.astype(np.float64), PM1, reduction), dtype)
    prob = PROB.astype(dtype)
    for options, _ in bce_cases():
        kw = {k: v.astype(dtype) for k, v in options.items()}
        numpy_check("binary_cross_entropy_with_logits",
                    losses.binary_cross_entropy_with_logits(x, prob, reduction=reduction, **kw),
                    np_bce(X64, prob.astype(np.float64), reduction,
                           **{k: v.astype(np.float64) for k, v in kw.items()}), dtype)
    logits = LOGITS.astype(dtype)
    L64 = logits.astype(np.float64)
    for options, _ in CE_OPTIONS:
        kw = {k: (v.astype(dtype) if isinstance(v, np.ndarray) else v) for k, v in options.items()}
        kw64 = {k: (v.astype(np.float64) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        numpy_check("cross_entropy", losses.cross_entropy(logits, labels_for(kw), reduction=reduction, **kw),
                    np_cross_entropy(L64, labels_for(kw), reduction, **kw64), dtype)
        if "ignore_index" not in kw:
            soft = SOFT.astype(dtype)
            numpy_check("cross_entropy_probs", losses.cross_entropy(logits, soft, reduction=reduction, **kw),
                        np_cross_entropy_probs(L64, soft.astype(np.float64), reduction, **kw64), dtype)
        if "label_smoothing" not in kw:
            logp = LOGP.astype(dtype)
            numpy_check("nll_loss", losses.nll_loss(logp, labels_for(kw), reduction=reduction, **kw),
                        np_nll(logp.astype(np.float64), labels_for(kw), reduction, **kw64), dtype)


# ---- penalties ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
def test_penalties_match_numpy_and_add_into_grad(dtype):
    params = [RNG.standard_normal((4, 3)).astype(dtype), np.array([0.0, -1.5, 2.0], dtype)]
    P = [p.astype(np.float64) for p in params]
    base = [RNG.standard_normal(p.shape).astype(dtype) for p in params]
    cases = [
        (losses.l1_penalty, (0.3,), lambda p: 0.3 * np.abs(p).sum(), lambda p: 0.3 * np.sign(p)),
        (losses.l2_penalty, (0.7,), lambda p: 0.35 * (p * p).sum(), lambda p: 0.7 * p),
        (losses.elastic_net_penalty, (0.3, 0.7), lambda p: 0.3 * np.abs(p).sum() + 0.35 * (p * p).sum(),
         lambda p: 0.3 * np.sign(p) + 0.7 * p),
    ]
    for fn, coefficients, value, gradient in cases:
        grads = [b.copy() for b in base]
        total = fn(params, *coefficients, grad=grads)
        expected = sum(value(p) for p in P)
        assert abs(total - expected) <= 1e-12 * abs(expected)
        for g, b, p in zip(grads, base, P):
            exact = b.astype(np.float64) + gradient(p)
            assert rel(g, exact) <= (1e-15 if dtype == np.float64 else EPS32), fn.__name__
        # one array; no grad
        assert fn(params[0], *coefficients) == pytest.approx(value(P[0]), rel=1e-12)
        single = base[0].copy()
        fn(params[0], *coefficients, grad=single)
        np.testing.assert_array_equal(single, grads[0])
    assert losses.l1_penalty(params[1], 1.0, grad=np.zeros(3, dtype)) == 3.5


def test_penalties_match_torch_autograd(torch):
    p = RNG.standard_normal(20)
    p[3] = 0.0
    t = torch.tensor(p, requires_grad=True)
    (0.3 * t.abs().sum() + 0.35 * (t * t).sum()).backward()
    grad = np.zeros(20)
    value = losses.elastic_net_penalty(p, 0.3, 0.7, grad=grad)
    assert value == pytest.approx(0.3 * np.abs(p).sum() + 0.35 * (p * p).sum(), rel=1e-13)
    assert rel(grad, t.grad.numpy()) <= 1e-15


def test_l2_penalty_gradient_is_coupled_weight_decay():
    """SGD on loss + l2_penalty(lambd) == SGD with weight_decay=lambd, bit for bit."""
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(10), None
    b = a.copy()
    with swiftopt.SGD([a], lr=0.1, momentum=0.9) as plain, swiftopt.SGD([b], lr=0.1, momentum=0.9,
                                                                         weight_decay=0.05) as decayed:
        for _ in range(20):
            g = rng.standard_normal(10)
            augmented = g.copy()
            losses.l2_penalty(a, 0.05, grad=augmented)
            plain.step([augmented])
            decayed.step([g])
    np.testing.assert_array_equal(a, b)


# ---- buffers -----------------------------------------------------------------


def test_out_buffers_are_filled_and_returned():
    grad = np.full_like(LOGITS, 7.0)
    per_sample = np.full(N, 7.0)
    loss, g = losses.cross_entropy(LOGITS, LABELS, reduction="none", out=grad, loss_out=per_sample)
    assert g is grad and loss is per_sample
    fresh_loss, fresh_grad = losses.cross_entropy(LOGITS, LABELS, reduction="none")
    np.testing.assert_array_equal(per_sample, fresh_loss)
    np.testing.assert_array_equal(grad, fresh_grad)
    loss, g = losses.mse_loss(X, Y, out=np.empty_like(X))
    assert loss == losses.mse_loss(X, Y)[0]
    loss, g = losses.mse_loss(X, Y, compute_grad=False)
    assert g is None and loss == losses.mse_loss(X, Y)[0]
    loss, g = losses.nll_loss(LOGP, LABELS, reduction="none", compute_grad=False)
    np.testing.assert_array_equal(loss, losses.nll_loss(LOGP, LABELS, reduction="none")[0])


def test_training_loop_with_buffers_allocates_nothing():
    x = RNG.standard_normal((256, 100))
    labels = RNG.integers(0, 100, 256)
    grad = np.empty_like(x)
    per_sample = np.empty(256)
    for _ in range(3):  # warm up (thread-local scalars, ctypes caches)
        losses.cross_entropy(x, labels, out=grad)
        losses.mse_loss(x, x, reduction="none", out=grad, loss_out=np.empty_like(x))
    loss_buf = np.empty_like(x)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for _ in range(50):
            losses.cross_entropy(x, labels, out=grad)
            losses.cross_entropy(x, labels, reduction="none", out=grad, loss_out=per_sample)
            losses.mse_loss(x, x, reduction="none", out=grad, loss_out=loss_buf)
            losses.binary_cross_entropy_with_logits(x, loss_buf, out=grad)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024, f"{peak} bytes allocated at peak (one gradient array is {grad.nbytes})"


# ---- bad input ---------------------------------------------------------------

F64 = np.ones((3, 4))
F32 = np.ones((3, 4), np.float32)
IDX = np.array([0, 1, 3])

BAD = [
    ("target dtype", lambda o: losses.mse_loss(F64, F32, out=o), swiftopt.DTypeMismatchError),
    ("int input", lambda o: losses.mse_loss(np.ones((3, 4), np.int64), F64, out=o), swiftopt.DTypeMismatchError),
    ("byte-swapped", lambda o: losses.l1_loss(F64.astype(">f8"), F64, out=o), swiftopt.DTypeMismatchError),
    ("target shape", lambda o: losses.huber_loss(F64, np.ones((4, 3)), out=o), swiftopt.SizeMismatchError),
    ("non-contiguous", lambda o: losses.mse_loss(np.ones((3, 8))[:, ::2], F64, out=o), swiftopt.InvalidArgumentError),
    ("list input", lambda o: losses.mse_loss([[1.0] * 4] * 3, F64, out=o), swiftopt.ArgumentTypeError),
    ("empty", lambda o: losses.mse_loss(np.ones((0, 4)), np.ones((0, 4)), out=o), swiftopt.InvalidArgumentError),
    ("reduction", lambda o: losses.mse_loss(F64, F64, reduction="avg", out=o), swiftopt.InvalidArgumentError),
    ("out dtype", lambda o: losses.mse_loss(F64, F64, out=o.astype(np.float32)), swiftopt.DTypeMismatchError),
    ("out shape", lambda o: losses.mse_loss(F64, F64, out=o.reshape(4, 3)), swiftopt.SizeMismatchError),
    ("out non-contiguous", lambda o: losses.mse_loss(F64.T, F64.T.copy(), out=o.T), swiftopt.InvalidArgumentError),
    ("out is target", lambda o: losses.mse_loss(F64, o, out=o), swiftopt.InvalidArgumentError),
    ("out overlaps weight", lambda o: losses.binary_cross_entropy_with_logits(F64, F64, weight=o, out=o),
     swiftopt.InvalidArgumentError),
    ("loss_out is out", lambda o: losses.mse_loss(F64, F64, reduction="none", out=o, loss_out=o),
     swiftopt.InvalidArgumentError),
    ("out overlaps input", lambda o: losses.mse_loss(o, F64, out=o), swiftopt.InvalidArgumentError),
    ("loss_out with mean", lambda o: losses.mse_loss(F64, F64, out=o, loss_out=np.empty((3, 4))),
     swiftopt.InvalidArgumentError),
    ("loss_out shape", lambda o: losses.cross_entropy(F64, IDX, reduction="none", out=o, loss_out=np.empty(4)),
     swiftopt.SizeMismatchError),
    ("delta 0", lambda o: losses.huber_loss(F64, F64, delta=0.0, out=o), swiftopt.OutOfBoundsError),
    ("delta nan", lambda o: losses.huber_loss(F64, F64, delta=float("nan"), out=o), swiftopt.OutOfBoundsError),
    ("beta < 0", lambda o: losses.smooth_l1_loss(F64, F64, beta=-1.0, out=o), swiftopt.OutOfBoundsError),
    ("beta str", lambda o: losses.smooth_l1_loss(F64, F64, beta="1", out=o), swiftopt.ArgumentTypeError),
    ("hinge target", lambda o: losses.hinge_loss(F64, np.full((3, 4), 0.5), out=o), swiftopt.InvalidArgumentError),
    ("label out of range", lambda o: losses.cross_entropy(F64, np.array([0, 4, 1]), out=o),
     swiftopt.IndexOutOfRangeError),
    ("negative label", lambda o: losses.nll_loss(F64, np.array([0, -1, 1]), out=o), swiftopt.IndexOutOfRangeError),
    ("int32 labels", lambda o: losses.cross_entropy(F64, IDX.astype(np.int32), out=o), swiftopt.DTypeMismatchError),
    ("labels shape", lambda o: losses.cross_entropy(F64, np.array([0, 1]), out=o), swiftopt.SizeMismatchError),
    ("probs dtype", lambda o: losses.cross_entropy(F64, F32, out=o), swiftopt.DTypeMismatchError),
    ("3-D logits", lambda o: losses.cross_entropy(np.ones((3, 4, 1)), np.zeros((3, 1), np.int64)),
     swiftopt.SizeMismatchError),
    ("smoothing > 1", lambda o: losses.cross_entropy(F64, IDX, label_smoothing=1.5, out=o), swiftopt.OutOfBoundsError),
    ("class weight size", lambda o: losses.cross_entropy(F64, IDX, weight=np.ones(3), out=o),
     swiftopt.SizeMismatchError),
    ("class weight dtype", lambda o: losses.nll_loss(F64, IDX, weight=np.ones(4, np.float32), out=o),
     swiftopt.DTypeMismatchError),
    ("ignore_index float", lambda o: losses.nll_loss(F64, IDX, ignore_index=1.0, out=o), swiftopt.ArgumentTypeError),
    ("pos_weight size", lambda o: losses.binary_cross_entropy_with_logits(F64, F64, pos_weight=np.ones(3), out=o),
     swiftopt.SizeMismatchError),
    ("bce weight shape", lambda o: losses.binary_cross_entropy_with_logits(F64, F64, weight=np.ones(3), out=o),
     swiftopt.SizeMismatchError),
    ("out without grad", lambda o: losses.mse_loss(F64, F64, out=o, compute_grad=False),
     swiftopt.InvalidArgumentError),
]


@pytest.mark.parametrize("label,call,error", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_typed_error_and_writes_nothing(label, call, error):
    out = np.full((3, 4), 123.0)
    inputs = [F64.copy(), F32.copy(), IDX.copy()]
    with pytest.raises(error):
        call(out)
    np.testing.assert_array_equal(out, 123.0)
    for a, b in zip([F64, F32, IDX], inputs):
        np.testing.assert_array_equal(a, b)


def test_bad_penalty_input_writes_nothing():
    params = [np.ones(3), np.ones(2, np.float32)]
    grads = [np.zeros(3), np.zeros(2)]  # the second has the wrong dtype
    with pytest.raises(swiftopt.DTypeMismatchError):
        losses.l1_penalty(params, 1.0, grad=grads)
    np.testing.assert_array_equal(grads[0], 0.0)
    good = [np.zeros(3), np.zeros(2, np.float32)]
    for bad, error in [(-1.0, swiftopt.OutOfBoundsError), (float("inf"), swiftopt.OutOfBoundsError),
                       ("1", swiftopt.ArgumentTypeError)]:
        with pytest.raises(error):
            losses.l2_penalty(params, bad, grad=good)
        for g in good:
            np.testing.assert_array_equal(g, 0.0)
    with pytest.raises(swiftopt.SizeMismatchError):
        losses.l1_penalty(params, 1.0, grad=[np.zeros(3)])
    with pytest.raises(swiftopt.InvalidArgumentError):
        losses.l1_penalty(params[0], 1.0, grad=params[0])  # grad must not overlap params
    with pytest.raises(swiftopt.ArgumentTypeError):
        losses.l1_penalty(params, 1.0, grad=np.zeros(3))
    with pytest.raises(swiftopt.InvalidArgumentError):
        losses.l1_penalty([], 1.0)
    with pytest.raises(swiftopt.OutOfBoundsError):
        losses.elastic_net_penalty(params[0], 0.1, -0.1)


def test_docstring_examples_run():
    import doctest

    failures, tried = doctest.testmod(losses)
    assert tried >= 4 and failures == 0
