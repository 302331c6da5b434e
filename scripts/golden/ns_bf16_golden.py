#!/usr/bin/env python3
"""Golden vectors for the bfloat16 Newton–Schulz (`BFloat16NewtonSchulz`, ns_dtype=bfloat16).

Writes Tests/CoreTests/Golden/ns_bf16.json: the output of pytorch-optimizer 4.1.0's
`zero_power_via_newton_schulz_5` (bf16, 5 steps, KellerJordan's coefficients, clamp eps 1e-7;
the Newton–Schulz of the study's Scion) on the deterministic inputs

    G[i][j] = (((7i + 3j + ij) mod 11) - 5)/4 + 0.75*[i = j]        (exact in bf16)

for 16x48 and 48x16 (the transposed branch), one thread. Every bf16 product there is an fp32
accumulation rounded once, so the Swift port reproduces these values up to the fp32 summation
order; with inner dimensions of 16 and 48 that order changes nothing, and the test expects the
values bit for bit. For scale, the same inputs through the fp64 iteration differ from these by
about 1e-2 relative (Frobenius), and through KellerJordan's unfused bf16 ops by about 3e-2.

    pip install torch==2.13.0 pytorch-optimizer==4.1.0
    python3 scripts/golden/ns_bf16_golden.py
"""
import json
import pathlib

import torch
from pytorch_optimizer.optimizer.utils.matrix import zero_power_via_newton_schulz_5

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests/CoreTests/Golden/ns_bf16.json"


def g(rows, cols):
    return torch.tensor([[(((7 * i + 3 * j + i * j) % 11) - 5) / 4 + (0.75 if i == j else 0) for j in range(cols)]
                         for i in range(rows)], dtype=torch.float32)


def main():
    torch.set_num_threads(1)
    cases = []
    for rows, cols in [(16, 48), (48, 16)]:
        out = zero_power_via_newton_schulz_5(g(rows, cols), num_steps=5).float()
        exact = zero_power_via_newton_schulz_5(g(rows, cols).double(), num_steps=5, dtype=torch.float64)
        rel = ((out.double() - exact).norm() / exact.norm()).item()
        print(f"{rows}x{cols}: bf16 vs fp64 relative Frobenius difference {rel:.2e}")
        cases.append({"rows": rows, "cols": cols, "output": out.flatten().tolist()})
    source = (f"pytorch-optimizer zero_power_via_newton_schulz_5, bf16, torch {torch.__version__} "
              "(scripts/golden/ns_bf16_golden.py)")
    OUT.write_text(json.dumps({"source": source, "steps": 5, "cases": cases}) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
