#!/usr/bin/env python3
"""PyTorch eager speed anchor for `qscope bench`: same model, same sizes, same AdamW.

Trains the qscope architecture (scripts/golden/olmo_ref.py, fast path: SDPA and
F.rms_norm) in fp32 on the CPU and times forward, backward and the optimizer
step separately. Medians over the timed steps, so one slow step (page faults,
a noisy neighbour) does not move the figure.

    python3 scripts/bench/torch_baseline.py --model all --steps 20
    python3 scripts/bench/torch_baseline.py --model s --json

--compile wraps the model in torch.compile; it is off by default because
Inductor needs a working C++ toolchain and minutes of compilation, and the
point of this script is the eager number qscope is compared against.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "golden"))
from olmo_ref import OLMo, SIZES  # noqa: E402


def batches(args, generator):
    """Yields (tokens, targets) of shape (B, T). Random bytes by default: the
    speed does not depend on the data, and this needs no corpus on disk."""
    B, T = args.batch, args.seq
    if args.corpus is None:
        while True:
            x = torch.randint(0, 256, (B, T + 1), generator=generator)
            yield x[:, :-1], x[:, 1:]
    data = torch.frombuffer(bytearray(Path(args.corpus).read_bytes()), dtype=torch.uint8)
    if data.numel() < T + 2:
        sys.exit(f"corpus {args.corpus} is shorter than one sequence ({T + 1} bytes)")
    while True:
        starts = torch.randint(0, data.numel() - T - 1, (B,), generator=generator)
        x = torch.stack([data[s : s + T + 1] for s in starts.tolist()]).long()
        yield x[:, :-1], x[:, 1:]


def bench(name: str, args) -> dict:
    cfg = SIZES[name]
    g = torch.Generator().manual_seed(args.seed)
    model = OLMo(cfg, fast=True).init_baseline(g)
    params = model.num_params()
    # foreach left at its default (True on CPU for fp32 tensors in current torch).
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0)
    run = torch.compile(model) if args.compile else model
    data = batches(args, g)

    fwd, bwd, upd = [], [], []
    for step in range(args.warmup + args.steps):
        tokens, targets = next(data)  # outside the timers: data is not the model's cost
        t0 = time.perf_counter()
        logits = run(tokens)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, cfg.vocab), targets.reshape(-1))
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        opt.zero_grad(set_to_none=True)
        t3 = time.perf_counter()
        if step >= args.warmup:  # warm-up steps pay allocator growth and first-call dispatch
            fwd.append(t1 - t0)
            bwd.append(t2 - t1)
            upd.append(t3 - t2)

    step_s = statistics.median(f + b + u for f, b, u in zip(fwd, bwd, upd))
    ms = lambda xs: round(statistics.median(xs) * 1e3, 3)  # noqa: E731
    return {
        "model": name,
        "params": params,
        "batch": args.batch,
        "seq": args.seq,
        "threads": args.threads,
        "tokens_per_s": round(args.batch * args.seq / step_s, 1),
        "step_ms": round(step_s * 1e3, 3),
        "forward_ms": ms(fwd),
        "backward_ms": ms(bwd),
        "optimizer_ms": ms(upd),
        "torch_version": torch.__version__,
    }


def print_table(rows: list[dict], args) -> None:
    print(f"torch {torch.__version__}  fp32 {'compiled' if args.compile else 'eager'}  "
          f"threads {args.threads}  batch {args.batch} x seq {args.seq}  "
          f"median of {args.steps} steps after {args.warmup} warm-up")
    head = f"{'model':6s} {'params':>10s} {'tokens/s':>10s} {'step ms':>9s} {'fwd ms':>9s} {'bwd ms':>9s} {'opt ms':>9s}"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['model']:6s} {r['params']:>10,d} {r['tokens_per_s']:>10,.0f} {r['step_ms']:>9.1f} "
              f"{r['forward_ms']:>9.1f} {r['backward_ms']:>9.1f} {r['optimizer_ms']:>9.1f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="tiny", choices=[*SIZES, "all"], help="named size, or all (default tiny)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--steps", type=int, default=30, help="timed steps (default 30)")
    ap.add_argument("--warmup", type=int, default=5, help="untimed steps first (default 5)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", type=Path, help="train on windows of this file's bytes instead of random bytes")
    ap.add_argument("--compile", action="store_true",
                    help="optional: torch.compile the model (needs a C++ toolchain; not the reference figure)")
    ap.add_argument("--json", action="store_true", help="one JSON object per model, one per line")
    args = ap.parse_args()
    if args.steps < 1:
        ap.error("--steps must be at least 1")

    torch.set_num_threads(args.threads)
    names = list(SIZES) if args.model == "all" else [args.model]
    rows = []
    for name in names:
        row = bench(name, args)
        rows.append(row)
        if args.json:
            print(json.dumps(row), flush=True)
    if not args.json:
        print_table(rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
