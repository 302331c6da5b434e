"""Float64 oracle for GPTQ (docs/quantization.md §4, IST-DASLab/gptq `fasterquant` + `quant.py`).

Writes Tests/CoreTests/Golden/gptq.json: per case the weight W (out, in), calibration X
(samples, in), the config and the expected dequantized weights Q (out, in), all row-major.
Written line by line from the algorithm of docs/quantization.md §4 (checked exact
against the reference in float64 without groups); run `python3 scripts/golden/gptq_golden.py`.
"""
import json
import os

import numpy as np


def find_params(x, bits, sym, grid):
    """Per-row (scale, zero) of x (rows, n) as quant.py `find_params(weight=True)`."""
    if grid == "absmax" and sym:
        qmax = 2 ** (bits - 1) - 1
        absmax = np.maximum(np.abs(x.min(1)), np.abs(x.max(1)))
        scale = np.where(absmax > 0, absmax / qmax, 1.0)
        return scale, np.zeros_like(scale), qmax
    maxq = 2 ** bits - 1
    xmin = np.minimum(x.min(1), 0.0)
    xmax = np.maximum(x.max(1), 0.0)
    if sym:
        xmax = np.maximum(np.abs(xmin), xmax)
        xmin = np.where(xmin < 0, -xmax, xmin)  # quant.py only mirrors when xmin < 0
    both0 = (xmin == 0) & (xmax == 0)
    xmin = np.where(both0, -1.0, xmin)
    xmax = np.where(both0, 1.0, xmax)
    scale = (xmax - xmin) / maxq
    zero = np.full_like(scale, (maxq + 1) / 2) if sym else np.round(-xmin / scale)
    return scale, zero, maxq


def quantize(w, params, grid, sym):
    scale, zero, m = params
    if grid == "absmax" and sym:
        return np.clip(np.round(w / scale), -m, m) * scale
    q = np.clip(np.round(w / scale) + zero, 0, m)
    return scale * (q - zero)


def gptq(W, X, bits, sym, grid, groupsize, actorder, percdamp, blocksize):
    W = W.astype(np.float64).copy()
    n = W.shape[1]
    H = 2.0 / X.shape[0] * (X.T @ X)
    params = find_params(W, bits, sym, grid)  # before zeroing dead columns, as the reference
    dead = np.diag(H) == 0
    H[dead, dead] = 1
    W[:, dead] = 0
    perm = None
    if actorder:
        perm = np.argsort(-np.diag(H), kind="stable")
        W = W[:, perm]
        H = H[perm][:, perm]
    H[np.arange(n), np.arange(n)] += percdamp * np.mean(np.diag(H))
    Hinv = np.linalg.cholesky(np.linalg.inv(H)).T  # upper U with H^-1 = U^T U
    Q = np.zeros_like(W)
    for i1 in range(0, n, blocksize):
        i2 = min(i1 + blocksize, n)
        W1 = W[:, i1:i2].copy()
        Err = np.zeros_like(W1)
        for i in range(i2 - i1):
            j = i1 + i
            if groupsize and j % groupsize == 0:
                params = find_params(W[:, j:j + groupsize], bits, sym, grid)  # stale outer W
            w = W1[:, i]
            q = quantize(w, params, grid, sym)
            Q[:, j] = q
            e = (w - q) / Hinv[j, j]
            W1[:, i:] -= np.outer(e, Hinv[j, j:i2])
            Err[:, i] = e
        W[:, i2:] -= Err @ Hinv[i1:i2, i2:]
    if actorder:
        Q = Q[:, np.argsort(perm)]
    return Q


CASES = [
    # name, bits, sym, grid, groupsize, actorder, blocksize, dead columns
    ("plain_asym4", 4, False, "gptq", None, False, 16, []),
    ("plain_sym4_gptq", 4, True, "gptq", None, False, 8, []),
    ("plain_sym4_absmax", 4, True, "absmax", None, False, 16, []),
    ("actorder_asym3", 3, False, "gptq", None, True, 8, []),
    ("groups_asym4", 4, False, "gptq", 8, False, 16, []),
    ("groups_sym3_gptq", 3, True, "gptq", 16, False, 8, []),
    ("actorder_groups_asym4", 4, False, "gptq", 8, True, 16, []),
    ("actorder_groups_sym4_gptq", 4, True, "gptq", 16, True, 8, []),
    ("dead_asym4", 4, False, "gptq", None, False, 8, [3, 17]),
    ("dead_actorder_groups_sym2", 2, True, "gptq", 8, True, 16, [0, 30]),
]


def main():
    rng = np.random.default_rng(0)
    out, inp, samples = 8, 32, 64
    cases = []
    for name, bits, sym, grid, gs, act, bs, dead in CASES:
        W = rng.standard_normal((out, inp)).astype(np.float32)
        # correlated inputs with uneven column scales, so act-order and error feedback matter
        mix = rng.standard_normal((inp, inp)) * 0.3 + np.eye(inp)
        X = (rng.standard_normal((samples, inp)) @ mix * rng.uniform(0.2, 2.0, inp)).astype(np.float32)
        X[:, dead] = 0
        Q = gptq(W.astype(np.float64), X.astype(np.float64), bits, sym, grid, gs, act, 0.01, bs)
        cases.append({
            "name": name, "bits": bits, "symmetric": sym, "grid": grid, "groupSize": gs,
            "actOrder": act, "percdamp": 0.01, "blockSize": bs, "out": out, "in": inp,
            "samples": samples, "weight": W.ravel().tolist(), "calibration": X.ravel().tolist(),
            "dequantized": Q.ravel().tolist(),
        })
    path = os.path.join(os.path.dirname(__file__), "../../Tests/CoreTests/Golden/gptq.json")
    with open(path, "w") as f:
        json.dump({"cases": cases}, f)
    print(f"wrote {len(cases)} cases to {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
