"""Regenerates linear.csv: 1000 points of y = 2x + 1 + N(0, 0.5^2), x ~ U(-5, 5).

Only the standard library, fixed seed: the file is reproducible byte for byte.
    python3 examples/data/make_linear.py > examples/data/linear.csv
"""
import random

rng = random.Random(20261125)
print("x,y")
for _ in range(1000):
    x = rng.uniform(-5.0, 5.0)
    y = 2.0 * x + 1.0 + rng.gauss(0.0, 0.5)
    print(f"{x:.6f},{y:.6f}")
