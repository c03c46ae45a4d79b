"""Independent numpy references of the five optimizers, written from the
update rules (torch.optim's documented algorithms), plus the option table the
tests sweep.

Each reference keeps its own state and computes in the parameter's dtype with
numpy's elementwise operations; scalars (bias corrections, decayed learning
rates) are computed in Python floats, as torch does.
"""

from __future__ import annotations

import itertools
from typing import Any, Dict, Iterator, List, Tuple

import numpy as np


class Reference:
    def __init__(self, params: List[np.ndarray], **options: Any) -> None:
        self.params = params
        self.o = options
        self.t = [0] * len(params)
        self.s: List[Dict[str, np.ndarray]] = [{} for _ in params]

    decoupled = False  # AdamW: always

    def step(self, grads: List[Any]) -> None:
        """One step, with swiftopt's regularization and clipping options
        (include/swiftopt.h, "Regularization and clipping"): per element
        clip (max_grad_norm over the stepped tensors, then clip_value),
        decoupled decay before the update, the algorithm's update, then the
        proximal L1 step."""
        o = self.o
        max_norm, clip_value, l1 = o.get("max_grad_norm", 0), o.get("clip_value", 0), o.get("l1", 0)
        scale = 1.0
        if max_norm > 0:
            norm = float(np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads if g is not None)))
            self.last_norm = norm
            scale = min(max_norm / (norm + 1e-6), 1.0)
        decoupled = o.get("decoupled_weight_decay", False) and not self.decoupled
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if g is None:  # skipped, as torch skips a parameter whose .grad is None
                continue
            T = p.dtype.type
            g = g.astype(p.dtype)
            if max_norm > 0:
                g = g * T(scale)
            if clip_value > 0:
                g = np.clip(g, T(-clip_value), T(clip_value))
            self.t[i] += 1
            if decoupled:
                lr, wd = o.get("lr"), o.get("weight_decay", 0)
                if wd:
                    p *= T(1 - lr * wd)
                self.o = dict(o, weight_decay=0)
                try:
                    self.update(p, g, self.s[i], self.t[i])
                finally:
                    self.o = o
            else:
                self.update(p, g, self.s[i], self.t[i])
            if l1 > 0:
                p[...] = np.sign(p) * np.maximum(np.abs(p) - T(o["lr"] * l1), T(0))


class SGDRef(Reference):
    def update(self, p, g, s, t):
        o = self.o
        lr, mu, damp = o.get("lr", 1e-3), o.get("momentum", 0), o.get("dampening", 0)
        wd, nesterov = o.get("weight_decay", 0), o.get("nesterov", False)
        d = -g if o.get("maximize") else g
        if wd:
            d = d + p.dtype.type(wd) * p
        if mu:
            if "momentum_buffer" not in s:
                b = d.copy()
            else:
                b = s["momentum_buffer"] * p.dtype.type(mu) + p.dtype.type(1 - damp) * d
            s["momentum_buffer"] = b
            d = d + p.dtype.type(mu) * b if nesterov else b
        p -= p.dtype.type(lr) * d


class AdagradRef(Reference):
    def update(self, p, g, s, t):
        o = self.o
        T = p.dtype.type
        lr, lr_decay, wd = o.get("lr", 1e-2), o.get("lr_decay", 0), o.get("weight_decay", 0)
        eps, init = o.get("eps", 1e-10), o.get("initial_accumulator_value", 0)
        if "sum" not in s:
            s["sum"] = np.full_like(p, init)
        d = -g if o.get("maximize") else g
        if wd:
            d = d + T(wd) * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s["sum"] = s["sum"] + d * d
        p -= T(clr) * (d / (np.sqrt(s["sum"]) + T(eps)))


class RMSpropRef(Reference):
    def update(self, p, g, s, t):
        o = self.o
        T = p.dtype.type
        lr, alpha, eps = o.get("lr", 1e-2), o.get("alpha", 0.99), o.get("eps", 1e-8)
        wd, mu, centered = o.get("weight_decay", 0), o.get("momentum", 0), o.get("centered", False)
        for name in ("square_avg", "grad_avg", "momentum_buffer"):
            s.setdefault(name, np.zeros_like(p))
        d = -g if o.get("maximize") else g
        if wd:
            d = d + T(wd) * p
        s["square_avg"] = s["square_avg"] * T(alpha) + T(1 - alpha) * d * d
        if centered:
            m = s["grad_avg"]
            s["grad_avg"] = m + T(1 - alpha) * (d - m)  # lerp(m, d, 1 - alpha)
            avg = np.sqrt(s["square_avg"] - s["grad_avg"] * s["grad_avg"]) + T(eps)
        else:
            avg = np.sqrt(s["square_avg"]) + T(eps)
        if mu > 0:
            s["momentum_buffer"] = s["momentum_buffer"] * T(mu) + d / avg
            p -= T(lr) * s["momentum_buffer"]
        else:
            p -= T(lr) * (d / avg)


class AdamRef(Reference):
    decoupled = False

    def update(self, p, g, s, t):
        o = self.o
        T = p.dtype.type
        lr, (b1, b2), eps = o.get("lr", 1e-3), o.get("betas", (0.9, 0.999)), o.get("eps", 1e-8)
        wd = o.get("weight_decay", 1e-2 if self.decoupled else 0)
        for name in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            s.setdefault(name, np.zeros_like(p))
        if self.decoupled and wd:
            p *= T(1 - lr * wd)
        d = -g if o.get("maximize") else g
        if wd and not self.decoupled:
            d = d + T(wd) * p
        s["exp_avg"] = s["exp_avg"] + T(1 - b1) * (d - s["exp_avg"])
        s["exp_avg_sq"] = s["exp_avg_sq"] * T(b2) + T(1 - b2) * d * d
        v = s["exp_avg_sq"]
        if o.get("amsgrad"):
            s["max_exp_avg_sq"] = np.maximum(s["max_exp_avg_sq"], v)
            v = s["max_exp_avg_sq"]
        step_size = lr / (1 - b1**t)
        bc2_sqrt = (1 - b2**t) ** 0.5
        p -= T(step_size) * (s["exp_avg"] / (np.sqrt(v) / T(bc2_sqrt) + T(eps)))


class AdamWRef(AdamRef):
    decoupled = True


REFERENCES = {"SGD": SGDRef, "Adagrad": AdagradRef, "RMSprop": RMSpropRef, "Adam": AdamRef, "AdamW": AdamWRef}


def _product(**axes: List[Any]) -> Iterator[Dict[str, Any]]:
    keys = list(axes)
    for values in itertools.product(*(axes[k] for k in keys)):
        yield dict(zip(keys, values))


def option_table() -> List[Tuple[str, Dict[str, Any]]]:
    """Every optimizer with every combination of its options (valid ones)."""
    table: List[Tuple[str, Dict[str, Any]]] = []
    for o in _product(lr=[0.05], momentum=[0, 0.9], dampening=[0, 0.1], weight_decay=[0, 0.05],
                      nesterov=[False, True], maximize=[False, True]):
        if o["nesterov"] and (o["momentum"] == 0 or o["dampening"] != 0):
            continue
        if o["momentum"] == 0 and o["dampening"] != 0:
            continue
        table.append(("SGD", o))
    for o in _product(lr=[0.05], lr_decay=[0, 0.01], weight_decay=[0, 0.05], initial_accumulator_value=[0, 0.1],
                      eps=[1e-10, 1e-3], maximize=[False, True]):
        table.append(("Adagrad", o))
    for o in _product(lr=[0.01], alpha=[0.99, 0.9], momentum=[0, 0.5], centered=[False, True],
                      weight_decay=[0, 0.05], maximize=[False, True]):
        table.append(("RMSprop", o))
    for name in ("Adam", "AdamW"):
        for o in _product(lr=[0.01], betas=[(0.9, 0.999), (0.5, 0.9)], eps=[1e-8, 1e-3], weight_decay=[0, 0.05],
                          amsgrad=[False, True], maximize=[False, True]):
            table.append((name, o))
    return table


def option_id(name: str, options: Dict[str, Any]) -> str:
    return name + "-" + ",".join(f"{k}={v}" for k, v in options.items() if k != "lr")


SHAPES = [(7,), (3, 5), (33,)]


def problem(dtype: Any, steps: int, seed: int = 0) -> Tuple[List[np.ndarray], List[List[np.ndarray]]]:
    """Initial parameters and a fixed gradient sequence (independent of the
    parameters, so that no trajectory feeds back into the gradients)."""
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
    grads = [[rng.standard_normal(shape).astype(dtype) for shape in SHAPES] for _ in range(steps)]
    # one parameter gets no gradient now and then (torch: .grad is None)
    for t in range(0, steps, 7):
        grads[t][1] = None  # type: ignore[call-overload]
    return params, grads


def max_rel_error(actual: List[np.ndarray], expected: List[np.ndarray]) -> float:
    """max |actual - expected| / max |expected| over all tensors."""
    num = max(float(np.max(np.abs(a.astype(np.float64) - e.astype(np.float64)))) for a, e in zip(actual, expected))
    den = max(float(np.max(np.abs(e.astype(np.float64)))) for e in expected)
    return num / den
