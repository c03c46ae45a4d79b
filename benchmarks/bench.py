#!/usr/bin/env python3
"""swiftopt benchmark suite: one optimizer step, swiftopt against its peers.

For every optimizer, size and thread count it times, in interleaved rounds
(medians of per-step times), swiftopt's library-owned step (libswiftopt.so
through ctypes), a numpy in-place implementation, torch.optim foreach and
fused (when torch imports), DeepSpeed CPUAdam (when it imports), and a
STREAM-style in-place probe `a += s*b` on the same element count. It prints
a table (ms per step, swiftopt's speed-up over each peer, GB/s achieved
against the probe's) and writes JSON.

    make bench                      # or:
    python3 benchmarks/bench.py --lib .build/release/libswiftopt.so --json build/bench.json
    python3 benchmarks/bench.py --quick        # small sizes only
"""
import argparse, ctypes, gc, json, os, platform, statistics, sys, time

try:
    import numpy as np
except ImportError:
    sys.exit("benchmarks/bench.py needs numpy (pip install numpy)")
try:
    import torch
except Exception:
    torch = None
try:
    from deepspeed.ops.adam import DeepSpeedCPUAdam
except Exception:
    DeepSpeedCPUAdam = None

ALG = {"sgd": 1, "adagrad": 2, "rmsprop": 3, "adam": 4, "adamw": 5}
HP = {"lr": 1, "momentum": 2, "weight_decay": 4}
# (name, algorithm, dtype, hyperparameters, bytes moved per element / element size)
OPTIMIZERS = [
    ("sgd", "sgd", "float32", {"lr": 1e-3, "momentum": 0.9}, 5),      # p,g,b read; p,b written
    ("adagrad", "adagrad", "float32", {"lr": 1e-2}, 5),              # p,g,s ; p,s
    ("rmsprop", "rmsprop", "float32", {"lr": 1e-3}, 5),              # p,g,v ; p,v
    ("adam", "adam", "float32", {"lr": 1e-3}, 7),                    # p,g,m,v ; p,m,v
    ("adamw", "adamw", "float32", {"lr": 1e-3, "weight_decay": 1e-2}, 7),
    ("adam", "adam", "float64", {"lr": 1e-3}, 7),
]
SIZES = [("4K", [4096]), ("1M", [1 << 20]), ("16M", [16 << 20]), ("64M", [64 << 20]), ("200x50K", [50_000] * 200)]


class Lib:
    def __init__(self, path):
        self.c = ctypes.CDLL(os.path.abspath(path))
        c = self.c
        P, I32, I64, D = ctypes.c_void_p, ctypes.c_int32, ctypes.c_int64, ctypes.c_double
        c.swiftopt_optimizer_create.argtypes = [I32, ctypes.POINTER(P)]
        c.swiftopt_optimizer_free.argtypes = [P]
        c.swiftopt_optimizer_set_hyperparameter.argtypes = [P, I64, I32, D]
        c.swiftopt_optimizer_add_param.argtypes = [P, I64, I32, P, I64, ctypes.POINTER(I64)]
        c.swiftopt_optimizer_step.argtypes = [P, ctypes.POINTER(P), I64]
        for f in ("swiftopt_optimizer_create", "swiftopt_optimizer_set_hyperparameter",
                  "swiftopt_optimizer_add_param", "swiftopt_optimizer_step", "swiftopt_set_num_threads"):
            getattr(c, f).restype = I32
        c.swiftopt_set_num_threads.argtypes = [I32]
        c.swiftopt_cpu_level.restype = I32
        c.swiftopt_cpu_level_name.restype = ctypes.c_char_p
        c.swiftopt_cpu_level_name.argtypes = [I32]

    def check(self, status):
        if status != 0:
            raise RuntimeError(f"swiftopt status {status}")


def swiftopt_step(lib, alg, dtype, hps, params, grads):
    o = ctypes.c_void_p()
    lib.check(lib.c.swiftopt_optimizer_create(ALG[alg], ctypes.byref(o)))
    for k, v in hps.items():
        lib.check(lib.c.swiftopt_optimizer_set_hyperparameter(o, 0, HP[k], v))
    code = 1 if dtype == "float32" else 2
    for p in params:
        lib.check(lib.c.swiftopt_optimizer_add_param(o, 0, code, p.ctypes.data, p.size, None))
    ptrs = (ctypes.c_void_p * len(grads))(*[g.ctypes.data for g in grads])
    n = len(grads)
    step = lib.c.swiftopt_optimizer_step

    def run(keep=(params, grads)):   # the library holds raw pointers: keep the arrays alive
        lib.check(step(o, ptrs, n))
    return run, lambda: lib.c.swiftopt_optimizer_free(o)


def numpy_step(alg, hps, params, grads):
    """In place, with preallocated temporaries (numpy's best)."""
    lr, wd = hps["lr"], hps.get("weight_decay", 0.0)
    st = [dict(a=np.zeros_like(p), b=np.zeros_like(p), t=np.empty_like(p)) for p in params]
    step = [0]

    def run():
        step[0] += 1
        k = step[0]
        for p, g, s in zip(params, grads, st):
            a, b, t = s["a"], s["b"], s["t"]
            if alg == "sgd":
                a *= 0.9; a += g; np.multiply(a, -lr, out=t); p += t
            elif alg == "adagrad":
                np.multiply(g, g, out=t); a += t; np.sqrt(a, out=t); t += 1e-10
                np.divide(g, t, out=t); t *= -lr; p += t
            elif alg == "rmsprop":
                a *= 0.99; np.multiply(g, g, out=t); t *= 0.01; a += t
                np.sqrt(a, out=t); t += 1e-8; np.divide(g, t, out=t); t *= -lr; p += t
            else:
                if wd:
                    p *= 1 - lr * wd
                a *= 0.9; np.multiply(g, 0.1, out=t); a += t
                b *= 0.999; np.multiply(g, g, out=t); t *= 0.001; b += t
                bc1, bc2 = 1 - 0.9 ** k, (1 - 0.999 ** k) ** 0.5
                np.sqrt(b, out=t); t /= bc2; t += 1e-8; np.divide(a, t, out=t); t *= -lr / bc1; p += t
    return run


def torch_step(alg, hps, params, grads, mode):
    ts = [torch.from_numpy(p) for p in params]
    for t, g in zip(ts, grads):
        t.grad = torch.from_numpy(g)
    cls = {"sgd": torch.optim.SGD, "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
           "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[alg]
    kw = dict(hps)
    kw["foreach" if mode == "foreach" else "fused"] = True
    try:
        opt = cls(ts, **kw)
        opt.step()
    except Exception:
        return None
    return opt.step


def deepspeed_step(alg, hps, params, grads):
    if DeepSpeedCPUAdam is None or alg not in ("adam", "adamw") or params[0].dtype != np.float32:
        return None
    ts = [torch.from_numpy(p) for p in params]
    for t, g in zip(ts, grads):
        t.grad = torch.from_numpy(g)
    opt = DeepSpeedCPUAdam(ts, lr=hps["lr"], weight_decay=hps.get("weight_decay", 0.0), adamw_mode=alg == "adamw")
    return opt.step


def probe_step(params, grads):
    """STREAM-style a += s*b, one pass over memory: torch's add_ (vectorised,
    on torch's threads, set to the row's count) when torch imports, else numpy
    in cache-sized blocks (the temporary s*b stays in cache; one thread)."""
    if torch is not None:
        pairs = [(torch.from_numpy(p), torch.from_numpy(g)) for p, g in zip(params, grads)]

        def run_torch():
            for p, g in pairs:
                p.add_(g, alpha=1e-9)
        return run_torch
    block = 16384
    tmp = np.empty(block, dtype=params[0].dtype)
    s = params[0].dtype.type(1e-9)

    def run():
        for p, g in zip(params, grads):
            for i in range(0, p.size, block):
                j = min(p.size, i + block)
                t = tmp[: j - i]
                np.multiply(g[i:j], s, out=t)
                p[i:j] += t
    return run


def timed(fn, target_s, max_rounds):
    fn()
    t = time.perf_counter(); fn(); once = time.perf_counter() - t
    return max(1, min(max_rounds, int(target_s / max(once, 1e-7))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", default=".build/release/libswiftopt.so")
    ap.add_argument("--json", default="build/bench.json")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--quick", action="store_true", help="4K, 1M and 200x50K only")
    ap.add_argument("--rounds", type=int, default=15, help="interleaved rounds (fewer at large sizes)")
    args = ap.parse_args()
    lib = Lib(args.lib)
    sizes = [s for s in SIZES if not (args.quick and s[0] in ("16M", "64M"))]
    level = lib.c.swiftopt_cpu_level_name(lib.c.swiftopt_cpu_level()).decode()
    meta = dict(machine=platform.machine(), cpu_level=level, cores=os.cpu_count(),
                numpy=np.__version__, torch=torch.__version__ if torch else None,
                deepspeed=DeepSpeedCPUAdam is not None)
    print(f"# swiftopt bench: kernels {level}, {os.cpu_count()} cores, numpy {np.__version__}, "
          f"torch {meta['torch']}, deepspeed {'yes' if meta['deepspeed'] else 'no'}")
    print("# ms per step (median); 'x peer' = peer time / swiftopt time; GB/s vs the a+=s*b probe")
    rows = []
    hdr = f"{'optimizer':14} {'size':8} {'thr':>3} {'swiftopt':>9} {'numpy':>8} {'foreach':>8} {'fused':>8} {'dspeed':>8} {'x numpy':>7} {'x fore':>7} {'x fused':>7} {'x ds':>6} {'GB/s':>6} {'probe':>6} {'%probe':>6}"
    print(hdr)
    rng = np.random.default_rng(0)
    for name, alg, dtype, hps, words in OPTIMIZERS:
        for label, shape in sizes:
            npdt = np.float32 if dtype == "float32" else np.float64
            elems = sum(shape)
            grads = [(rng.standard_normal(n) * 1e-2).astype(npdt) for n in shape]
            for threads in [int(t) for t in args.threads.split(",")]:
                lib.check(lib.c.swiftopt_set_num_threads(threads))
                if torch:
                    torch.set_num_threads(threads)
                fresh = lambda: [rng.standard_normal(n).astype(npdt) for n in shape]
                contenders = {}
                sw, free = swiftopt_step(lib, alg, dtype, hps, fresh(), grads)
                contenders["swiftopt"] = sw
                if threads == 1:
                    contenders["numpy"] = numpy_step(alg, hps, fresh(), grads)
                if torch:
                    for mode in ("foreach", "fused"):
                        f = torch_step(alg, hps, fresh(), grads, mode)
                        if f:
                            contenders[mode] = f
                    f = deepspeed_step(alg, hps, fresh(), grads)
                    if f:
                        contenders["dspeed"] = f
                contenders["probe"] = probe_step(fresh(), grads)
                # rounds: each contender runs `reps` steps per round, rounds interleave contenders
                reps = {k: timed(f, 0.02, 200) for k, f in contenders.items()}
                rounds = args.rounds if elems < (16 << 20) else max(3, args.rounds // 3)
                times = {k: [] for k in contenders}
                for _ in range(rounds):
                    for k, f in contenders.items():
                        t = time.perf_counter()
                        for _ in range(reps[k]):
                            f()
                        times[k].append((time.perf_counter() - t) / reps[k])
                med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
                free()
                item = np.dtype(npdt).itemsize
                gbs = words * item * elems / (med["swiftopt"] * 1e-3) / 1e9
                probe_gbs = 3 * item * elems / (med["probe"] * 1e-3) / 1e9
                ratio = {k: med[k] / med["swiftopt"] for k in med if k not in ("swiftopt", "probe")}
                row = dict(optimizer=name, dtype=dtype, size=label, elements=elems, threads=threads,
                           ms=med, speedup=ratio, gbps=gbs, probe_gbps=probe_gbs,
                           fraction_of_probe=gbs / probe_gbs)
                rows.append(row)
                f = lambda k: f"{med[k]:8.3f}" if k in med else f"{'-':>8}"
                r = lambda k: f"{ratio[k]:7.2f}" if k in ratio else f"{'-':>7}"
                print(f"{name + ('' if dtype == 'float32' else ' f64'):14} {label:8} {threads:3} {med['swiftopt']:9.3f} "
                      f"{f('numpy')} {f('foreach')} {f('fused')} {f('dspeed')} {r('numpy')} {r('foreach')} "
                      f"{r('fused')} {r('dspeed'):>6} {gbs:6.1f} {probe_gbs:6.1f} {100 * gbs / probe_gbs:5.0f}%",
                      flush=True)
                del contenders
                gc.collect()
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as out:
        json.dump(dict(meta=meta, rows=rows), out, indent=1)
    print(f"# wrote {args.json}")


if __name__ == "__main__":
    main()
