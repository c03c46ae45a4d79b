"""swiftopt demo: train real models on the bundled data with numpy + swiftopt.

Two models, each trained with several optimizers:

1. linear regression, y ≈ w·x + b, on 1000 noisy points of y = 2x + 1
   (examples/data/linear.csv), by mini-batch SGD, SGD with momentum, and Adam,
   with the mean-squared error from ``swiftopt.losses``; the fitted weights are
   printed next to the exact least-squares solution;
2. a two-layer perceptron (64 → 64 → 10, ReLU) classifying handwritten digits
   (examples/data/digits.csv.gz, 1797 8×8 images), by AdamW with a linear warmup
   then cosine decay of the learning rate (``swiftopt.lr_scheduler``), gradient
   clipping in the optimizer step, and softmax cross-entropy with label
   smoothing from ``swiftopt.losses``; the loss and the accuracy on held-out
   images are printed per epoch.

numpy computes the models and their gradients (backpropagation by hand);
swiftopt computes the losses, the learning rates and the updates, in place.

    make demo                       # from the repository root
    python examples/demo.py --help  # with swiftopt importable
"""
from __future__ import annotations

import argparse
import gzip
import pathlib
import sys
import time

import numpy as np

import swiftopt
from swiftopt import losses, lr_scheduler

DATA = pathlib.Path(__file__).resolve().parent / "data"


# ---- linear regression ---------------------------------------------------------


def load_linear() -> tuple[np.ndarray, np.ndarray]:
    rows = np.loadtxt(DATA / "linear.csv", delimiter=",", skiprows=1, dtype=np.float64)
    return rows[:, 0].copy(), rows[:, 1].copy()


def train_linear(name: str, make_optimizer, x: np.ndarray, y: np.ndarray, epochs: int,
                 batch: int, seed: int) -> tuple[float, float]:
    """Fits y ≈ w·x + b from zero by mini-batch gradient descent."""
    w = np.zeros(1)
    b = np.zeros(1)
    opt = make_optimizer([w, b])
    gw, gb = np.zeros(1), np.zeros(1)
    rng = np.random.default_rng(seed)
    n = len(x)
    print(f"\n== linear regression: {name} ==")
    print("epoch   mse loss        w        b")
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            prediction = w[0] * x[idx] + b[0]
            _, dprediction = losses.mse_loss(prediction, y[idx])
            gw[0] = float(dprediction @ x[idx])
            gb[0] = float(dprediction.sum())
            opt.step([gw, gb])
        loss, _ = losses.mse_loss(w[0] * x + b[0], y)
        if epoch in (1, 2, 5) or epoch % 10 == 0 or epoch == epochs:
            print(f"{epoch:5d} {loss:10.5f} {w[0]:8.4f} {b[0]:8.4f}")
    opt.close()
    return float(w[0]), float(b[0])


# ---- digits classifier ---------------------------------------------------------


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(DATA / "digits.csv.gz", "rt") as f:
        rows = np.loadtxt(f, delimiter=",", dtype=np.float32)
    return rows[:, :64] / 16.0, rows[:, 64].astype(np.int64)


class MLP:
    """64 → hidden → 10 with a ReLU, float32, He-initialised; gradients by hand."""

    def __init__(self, hidden: int, rng: np.random.Generator):
        self.w1 = (rng.standard_normal((64, hidden)) * np.sqrt(2 / 64)).astype(np.float32)
        self.b1 = np.zeros(hidden, np.float32)
        self.w2 = (rng.standard_normal((hidden, 10)) * np.sqrt(2 / hidden)).astype(np.float32)
        self.b2 = np.zeros(10, np.float32)
        self.grads = [np.zeros_like(p) for p in self.params]

    @property
    def params(self) -> list[np.ndarray]:
        return [self.w1, self.b1, self.w2, self.b2]

    def logits(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        hidden = np.maximum(x @ self.w1 + self.b1, 0)
        return hidden @ self.w2 + self.b2, hidden

    def backward(self, x: np.ndarray, hidden: np.ndarray, dlogits: np.ndarray) -> None:
        """Writes the gradients of the loss into self.grads (in place)."""
        gw1, gb1, gw2, gb2 = self.grads
        np.matmul(hidden.T, dlogits, out=gw2)
        np.sum(dlogits, axis=0, out=gb2)
        dhidden = (dlogits @ self.w2.T) * (hidden > 0)
        np.matmul(x.T, dhidden, out=gw1)
        np.sum(dhidden, axis=0, out=gb1)


def train_digits(epochs: int, batch: int, lr: float, seed: int) -> float:
    x, y = load_digits()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    test, train = order[:360], order[360:]
    model = MLP(64, rng)
    steps_per_epoch = -(-len(train) // batch)
    total = epochs * steps_per_epoch
    warmup = steps_per_epoch
    opt = swiftopt.AdamW(model.params, lr=lr, weight_decay=1e-4, max_grad_norm=1.0)
    schedule = lr_scheduler.SequentialLR(
        opt,
        [lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=warmup),
         lr_scheduler.CosineAnnealingLR(opt, T_max=total - warmup)],
        milestones=[warmup])
    print("\n== digits: 64-64-10 perceptron, AdamW, warmup + cosine lr, clipping, "
          "cross-entropy with label smoothing 0.05 ==")
    print(f"{len(train)} training images, {len(test)} held out; batch {batch}, {total} steps")
    print("epoch  train loss   lr        grad norm  held-out accuracy")
    accuracy = 0.0
    for epoch in range(1, epochs + 1):
        shuffled = rng.permutation(train)
        running = 0.0
        for start in range(0, len(shuffled), batch):
            idx = shuffled[start:start + batch]
            logits, hidden = model.logits(x[idx])
            loss, dlogits = losses.cross_entropy(logits, y[idx], label_smoothing=0.05)
            model.backward(x[idx], hidden, dlogits)
            opt.step(model.grads)
            schedule.step()
            running += loss * len(idx)
        logits, _ = model.logits(x[test])
        accuracy = float(np.mean(np.argmax(logits, axis=1) == y[test]))
        print(f"{epoch:5d} {running / len(train):11.5f}  {schedule.get_last_lr()[0]:.2e}  "
              f"{opt.grad_norm():9.4f}  {accuracy:8.2%}")
    schedule.close()
    opt.close()
    return accuracy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=30, help="epochs per model (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="shuffling and initialisation seed")
    parser.add_argument("--digits-lr", type=float, default=3e-3, help="peak lr of the digits model")
    parser.add_argument("--model", choices=["all", "linear", "digits"], default="all")
    args = parser.parse_args(argv)
    print(f"swiftopt {swiftopt.__version__} (library {swiftopt.library_version}), numpy {np.__version__}")
    started = time.perf_counter()
    ok = True
    if args.model in ("all", "linear"):
        x, y = load_linear()
        design = np.stack([x, np.ones_like(x)], axis=1)
        exact_w, exact_b = np.linalg.lstsq(design, y, rcond=None)[0]
        fits = {
            "SGD, lr 0.01": lambda p: swiftopt.SGD(p, lr=0.01),
            "SGD with momentum 0.9, lr 0.002": lambda p: swiftopt.SGD(p, lr=0.002, momentum=0.9),
            "Adam, lr 0.05": lambda p: swiftopt.Adam(p, lr=0.05),
        }
        for name, make in fits.items():
            w, b = train_linear(name, make, x, y, args.epochs, 32, args.seed)
            print(f"fitted y = {w:.4f} x + {b:.4f}; least squares y = {exact_w:.4f} x + {exact_b:.4f}; "
                  "truth y = 2x + 1")
            ok &= abs(w - exact_w) < 0.05 and abs(b - exact_b) < 0.05
    if args.model in ("all", "digits"):
        accuracy = train_digits(args.epochs, 64, args.digits_lr, args.seed)
        print(f"held-out accuracy {accuracy:.2%}")
        ok &= accuracy > 0.9
    print(f"\ndone in {time.perf_counter() - started:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
