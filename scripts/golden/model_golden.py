#!/usr/bin/env python3
"""Golden vectors for the Swift model: loss, logits and every gradient, in float64.

Writes Tests/CoreTests/Golden/model_small.json (see README.md for the layout).
CI never runs this; the JSON is committed and the Swift tests read it.

The parameters are deliberately NOT the training init: with N(0, 0.02) weights
attention is nearly uniform, the norms see tiny inputs and many terms barely
move the loss, so a wrong RoPE sign or a misplaced GQA group could pass. Large
weights, gains away from 1 and per-head scales away from sqrt(D) make every
term matter.

    python3 scripts/golden/model_golden.py            # write the JSON
    python3 scripts/golden/model_golden.py --check    # self-check only, writes nothing
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from olmo_ref import OLMo, Config  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "Tests/CoreTests/Golden/model_small.json"

CFG = Config(vocab=256, width=24, layers=2, heads=6, kv_heads=2)
BATCH, SEQ = 2, 8
SEED = 20250927


def build(fast: bool = False):
    """Model with the golden parameters, plus tokens and targets, all seeded."""
    torch.set_default_dtype(torch.float64)
    g = torch.Generator().manual_seed(SEED)
    model = OLMo(CFG, fast=fast)
    D = CFG.head_dim
    with torch.no_grad():
        for name, p in model.named_parameters():  # fixed registration order -> reproducible
            n = torch.randn(p.shape, generator=g, dtype=torch.float64)
            if name == "wte":
                p.copy_(0.5 * n)
            elif name.endswith("qk_scale"):
                p.copy_(math.sqrt(D) * (1 + 0.2 * n))
            elif name.endswith(".gain"):
                p.copy_(1 + 0.2 * n)
            else:
                p.copy_(0.3 * n)
    tokens = torch.randint(0, CFG.vocab, (BATCH, SEQ), generator=g)
    targets = torch.randint(0, CFG.vocab, (BATCH, SEQ), generator=g)
    return model, tokens, targets


def flat(t: torch.Tensor) -> list[float]:
    return t.detach().reshape(-1).tolist()


def golden() -> dict:
    model, tokens, targets = build()
    logits = model(tokens)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, CFG.vocab), targets.reshape(-1))
    loss.backward()
    params = dict(model.named_parameters())
    return {
        "config": {
            "vocab": CFG.vocab, "width": CFG.width, "layers": CFG.layers,
            "heads": CFG.heads, "kv_heads": CFG.kv_heads, "batch": BATCH, "seq": SEQ,
            "rope_base": int(CFG.rope_base), "norm_eps": CFG.norm_eps,
        },
        "tokens": flat(tokens),
        "targets": flat(targets),
        "params": {n: {"shape": list(p.shape), "data": flat(p)} for n, p in params.items()},
        "loss": loss.item(),
        "grads": {n: flat(p.grad) for n, p in params.items()},
        "logits_first": flat(logits[0, 0, :16]),
    }


def check() -> bool:
    """Central finite differences on the entry with the largest |grad| of each
    parameter (the largest, so the relative error is not dominated by round-off
    of a near-zero derivative), plus the fast path (SDPA, F.rms_norm) against
    the reference maths."""
    model, tokens, targets = build()
    model.loss(tokens, targets).backward()
    h = 1e-6  # float64: truncation ~h^2, cancellation ~1e-16/h, both ~1e-10
    worst = 0.0
    with torch.no_grad():
        for name, p in model.named_parameters():
            idx = int(p.grad.abs().argmax())
            ad = p.grad.reshape(-1)[idx].item()
            view = p.data.view(-1)
            orig = view[idx].item()
            view[idx] = orig + h
            up = model.loss(tokens, targets).item()
            view[idx] = orig - h
            dn = model.loss(tokens, targets).item()
            view[idx] = orig
            fd = (up - dn) / (2 * h)
            rel = abs(fd - ad) / max(abs(fd), abs(ad), 1e-30)
            worst = max(worst, rel)
            print(f"  {name:28s} [{idx:4d}]  autograd {ad: .10e}  fd {fd: .10e}  rel {rel:.2e}")
    print(f"finite differences: max relative error {worst:.3e}")

    fast, _, _ = build(fast=True)
    fast.load_state_dict(model.state_dict())
    ref_logits, fast_logits = model(tokens), fast(tokens)
    path_err = ((ref_logits - fast_logits).abs().max() / ref_logits.abs().max()).item()
    print(f"fast path vs reference: max relative logit difference {path_err:.3e}")
    return worst < 1e-6 and path_err < 1e-10


def write_atomic(path: Path, obj: dict) -> None:
    # Temp file + rename, so a crash never leaves a half-written golden file.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    os.chmod(tmp, 0o644)  # mkstemp creates 0600; a committed fixture should be world-readable
    os.replace(tmp, path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="finite-difference self-check; writes nothing")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output JSON (default {DEFAULT_OUT.relative_to(REPO)})")
    args = ap.parse_args()
    if args.check:
        return 0 if check() else 1
    g = golden()
    write_atomic(args.out, g)
    print(f"wrote {args.out}  loss {g['loss']!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
