#!/usr/bin/env python3
"""Golden vectors for QuEST (HadamardTrustQuantizer / HalfHadamardTrustQuantizer), in float64.

Writes Tests/CoreTests/Golden/quest.json. The reference (IST-DASLab/QuEST base_linear.py) is
CUDA-only, so this is an oracle written from docs/quantization.md §5:

    x_h = x @ H;  std = sqrt(mean(x_h**2));  scale = c_b*std + 1e-8;  step = 2*scale/(2**b - 1)
    xq = round(clamp(x_h, -scale, scale)/step + 1/2)*step - step/2     (round half to even)
    mask = |xq - x_h| <= (c_b/(2**b - 1))*std
    hadamard: y = xq,    dx = (dy*mask) @ H.T
    original: y = xq@H.T, dx = ((dy @ H)*mask) @ H.T

H = blockdiag(scipy.linalg.hadamard(block) * e), e = 1/sqrt(block), or its bfloat16 rounding.

The Swift side works in fp32, so a value whose rounding decision sits near a tie could round the
other way. The generator builds x from its Hadamard image and nudges every non-zero x_h away from
ties (|v - (k + 1/2)| >= MARGIN for v = clamp(x_h)/step + 1/2,
and ||x_h| - scale| >= MARGIN*step, where |xq - x_h| meets the trust radius); exact zeros are kept on purpose,
since 0/step + 1/2 = 1/2 is an exact tie in fp32 too and must round to even (0), giving -step/2.
Mask entries whose |xq - x_h| is within 1e-3 relative of the trust radius (these zeros, where
step/2 exceeds T*std only by 1e-8/(2^b - 1)) are listed in `mask_ambiguous`; the test skips them.

    python3 scripts/golden/quest_golden.py
"""
import json
import math
import pathlib

import numpy as np
import scipy.linalg

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests/CoreTests/Golden/quest.json"
OGS = {2: 1.4935346200015913, 3: 2.051068354131873, 4: 2.513930578568423, 8: 3.884938678807525}
MARGIN = 5e-3


def bf16(v):
    """Round a float to bfloat16 (nearest even) via its float32 bit pattern."""
    b = np.array([v], dtype=np.float32).view(np.uint32)[0]
    b = (int(b) + 0x7FFF + ((int(b) >> 16) & 1)) & 0xFFFF0000
    return float(np.array([b], dtype=np.uint32).view(np.float32)[0])


def hadamard(cols, block, bf16_entries):
    e = 1 / math.sqrt(block)
    e = bf16(e) if bf16_entries else e
    return scipy.linalg.block_diag(*[scipy.linalg.hadamard(block) * e] * (cols // block))


def quest(x, bits, H):
    """The oracle: returns x_h, xq, mask, the pre-round value v and the per-row std."""
    c = OGS[bits]
    xh = x @ H
    std = np.sqrt(np.mean(xh ** 2, axis=1, keepdims=True))
    scale = c * std + 1e-8
    step = 2 * scale / (2 ** bits - 1)
    v = np.clip(xh, -scale, scale) / step + 0.5
    xq = np.round(v) * step - step / 2  # np.round is half-to-even, like torch.round
    radius = c / (2 ** bits - 1) * std
    err = np.abs(xq - xh)
    mask = err <= radius
    ambiguous = np.abs(err - radius) <= 1e-3 * radius
    return xh, xq, mask, v, ambiguous, step


def build(rng, rows, cols, bits, block, bf16_entries, zeros):
    """x (fp32-representable) whose Hadamard image has no near-ties except the chosen exact zeros."""
    H = hadamard(cols, block, bf16_entries)
    xh = rng.standard_normal((rows, cols))
    xh[:, :2] *= 4  # a few outliers so the clamp at ±scale is exercised
    for r, i in zeros:
        xh[r, i] = 0
    for _ in range(100):
        # Dyadic x_h: with block 16 (entries ±1/4) x = x_h H and x H are exact in fp32, so the
        # zeros stay exactly zero on the Swift side.
        xh = np.round(xh * 256) / 256
        x = (xh @ H.T).astype(np.float32).astype(np.float64)
        got, _, _, v, _, step = quest(x, bits, H)
        dist = np.abs(v - (np.floor(v) + 0.5))
        # Values just past ±scale put |xq - x_h| right at the trust radius: also a tie.
        edge = np.abs(np.abs(got) - step * (2 ** bits - 1) / 2) < MARGIN * step
        bad = ((dist < MARGIN) | edge) & (got != 0)
        if not bad.any():
            return x, H
        xh = got + np.where(bad, 0.1 * step, 0)
    raise RuntimeError("could not move every value away from a tie")


def case(rng, name, rows, cols, bits, block, bf16_entries=False, zeros=()):
    x, H = build(rng, rows, cols, bits, block, bf16_entries, zeros)
    xh, xq, mask, _, ambiguous, _ = quest(x, bits, H)
    dy = rng.standard_normal((rows, cols)).astype(np.float32).astype(np.float64)
    m = mask.astype(np.float64)
    return {
        "name": name, "rows": rows, "cols": cols, "bits": bits, "block": block, "bf16": bf16_entries,
        "x": x.flatten().tolist(),
        "y_hadamard": xq.flatten().tolist(),
        "y_original": (xq @ H.T).flatten().tolist(),
        "mask": m.flatten().tolist(),
        "mask_ambiguous": [int(i) for i in np.flatnonzero(ambiguous)],
        "zeros": [int(i) for i in np.flatnonzero(xh == 0)],  # exact ties at 1/2
        "dy": dy.flatten().tolist(),
        "dx_hadamard": ((dy * m) @ H.T).flatten().tolist(),
        "dx_original": (((dy @ H) * m) @ H.T).flatten().tolist(),
    }


def main():
    rng = np.random.default_rng(2025)
    cases = []
    for bits in (2, 4, 8):
        cases.append(case(rng, f"4x32_b{bits}", 4, 32, bits, 32))
        cases.append(case(rng, f"3x48_b{bits}_ties", 3, 48, bits, 16, zeros=[(0, 3), (1, 17), (2, 40), (2, 41)]))
        cases.append(case(rng, f"2x128_b{bits}", 2, 128, bits, 128))
    cases.append(case(rng, "2x256_b4_bf16", 2, 256, 4, 128, bf16_entries=True))
    OUT.write_text(json.dumps({"source": "numpy float64 oracle of docs/quantization.md §5 (scripts/golden/quest_golden.py)",
                               "cases": cases}))
    print(f"wrote {OUT}: {len(cases)} cases, ambiguous mask entries:",
          sum(len(c["mask_ambiguous"]) for c in cases))


if __name__ == "__main__":
    main()
