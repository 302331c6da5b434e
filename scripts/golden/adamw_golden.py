"""Golden vectors for AdamW: torch.optim.AdamW (single-tensor path) in float64.

Writes Tests/CoreTests/Golden/adamw.json: a parameter, its gradient at each step, the
hyperparameters, and the parameter after each step. docs/optimizers.md §3: this path is exact in fp64.
Run: python3 scripts/golden/adamw_golden.py (needs torch==2.13.0; CI never runs it).
"""
import json
import pathlib

import torch

torch.manual_seed(1234)
OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests/CoreTests/Golden/adamw.json"


def run(shape, hyper, steps):
    p = torch.randn(*shape, dtype=torch.float64)
    grads = [torch.randn(*shape, dtype=torch.float64) * (0.1 if i % 2 else 1.0) for i in range(steps)]
    param = torch.nn.Parameter(p.clone())
    opt = torch.optim.AdamW([param], lr=hyper["lr"], betas=tuple(hyper["betas"]), eps=hyper["eps"],
                            weight_decay=hyper["weight_decay"], foreach=False)
    after = []
    for g in grads:
        param.grad = g.clone()
        opt.step()
        after.append(param.detach().clone().flatten().tolist())
    return {"shape": list(shape), "hyper": hyper, "param": p.flatten().tolist(),
            "grads": [g.flatten().tolist() for g in grads], "params": after}


cases = [
    run((4, 6), {"lr": 1e-2, "betas": [0.9, 0.95], "eps": 1e-8, "weight_decay": 0.0}, 5),
    run((5, 3), {"lr": 3e-3, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.1}, 6),
]
OUT.write_text(json.dumps({"source": f"torch {torch.__version__} AdamW foreach=False float64", "cases": cases}))
print(f"wrote {OUT}")
