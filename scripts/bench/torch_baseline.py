#!/usr/bin/env python3
"""PyTorch eager speed anchor for `qscope bench`: same model, same sizes, same optimizers.

Trains the qscope architecture (scripts/golden/olmo_ref.py, fast path: SDPA and
F.rms_norm) on the CPU, in fp32 or (--precision bf16) the paper's mixed
precision, with one of the study's six optimizers, built as the study's code
builds them (scripts/bench/optimizers.py), and times forward,
backward and the optimizer step (step + zero_grad of every optimizer object)
separately. Phase times are medians over the timed steps, so one slow step
(page faults, a noisy neighbour) does not move them; the optimizer time is
also given as a MEAN, which includes the amortised preconditioner refreshes
(Shampoo every 20 steps, SOAP every 10) a median hides. Comparisons with qscope
use the mean (scripts/bench/compare.py).

    python3 scripts/bench/torch_baseline.py --model all --steps 20
    python3 scripts/bench/torch_baseline.py --model s --optimizer all --json
    python3 scripts/bench/torch_baseline.py --model m --precision bf16

--precision bf16 is the paper's mixed precision: forward and loss run under
torch.autocast(device_type="cpu", dtype=torch.bfloat16), backward outside it
(as PyTorch recommends: it runs each op's gradient in the dtype its forward
used); parameters, gradients and optimizer states stay fp32. The phases are
timed exactly as in fp32, so the autocast casts count in forward and backward.

--compile wraps the model in torch.compile; it is off by default because
Inductor needs a working C++ toolchain and minutes of compilation, and the
point of this script is the eager number qscope is compared against.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

# Scion's and kron's Newton-Schulz / update functions carry @torch.compile, which needs a C++
# toolchain on the CPU and would time compilation (docs/optimizers.md §9.5). Must precede `import torch`.
if "--compile" not in sys.argv:
    os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")

import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "golden"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from olmo_ref import OLMo, SIZES  # noqa: E402
import optimizers  # noqa: E402


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


def bench(name: str, optimizer: str, args) -> dict:
    cfg = SIZES[name]
    g = torch.Generator().manual_seed(args.seed)
    torch.manual_seed(args.seed)  # PSGD's probe vectors come from the global generator
    model = OLMo(cfg, fast=True).init_baseline(g)
    params = model.num_params()
    opts = optimizers.build(optimizer, model, k=args.lr, seed=args.seed, momentum=args.momentum, beta2=args.beta2,
                            eps=args.eps, weight_decay=args.weight_decay, shampoo_src=args.shampoo_src,
                            psgd_schedule_step=args.psgd_schedule_step)
    run = torch.compile(model) if args.compile else model
    # bf16: autocast, entered anew each step (its cast cache lives for one entry); fp32: nothing.
    autocast = (lambda: torch.autocast(device_type="cpu", dtype=torch.bfloat16)) if args.precision == "bf16" \
        else contextlib.nullcontext
    data = batches(args, g)
    steps = args.steps
    warmup = args.warmup if args.warmup is not None else (20 if optimizer == "shampoo" else 10)

    fwd, bwd, upd = [], [], []
    loss_value = math.nan
    for step in range(warmup + steps):
        tokens, targets = next(data)  # outside the timers: data is not the model's cost
        t0 = time.perf_counter()
        with autocast():  # forward and loss; backward outside, as PyTorch recommends
            logits = run(tokens)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, cfg.vocab), targets.reshape(-1))
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        for opt in opts:  # the study steps its optimizer objects one after the other
            opt.step()
        for opt in opts:
            opt.zero_grad(set_to_none=True)
        t3 = time.perf_counter()
        if step >= warmup:  # warm-up steps pay allocator growth, first-call dispatch, SOAP's init step
            fwd.append(t1 - t0)
            bwd.append(t2 - t1)
            upd.append(t3 - t2)
        loss_value = loss.item()
    if not math.isfinite(loss_value):
        print(f"warning: {name}/{optimizer}: loss {loss_value} at the last step", file=sys.stderr)

    totals = [f + b + u for f, b, u in zip(fwd, bwd, upd)]
    step_s = statistics.median(totals)
    step_mean_s = statistics.fmean(totals)
    ms = lambda xs: round(statistics.median(xs) * 1e3, 3)  # noqa: E731
    nbytes = optimizers.state_bytes(opts, model)
    return {
        "model": name,
        "optimizer": optimizer,
        "params": params,
        "batch": args.batch,
        "seq": args.seq,
        "threads": args.threads,
        "precision": args.precision,
        "steps": steps,
        "warmup": warmup,
        "tokens_per_s": round(args.batch * args.seq / step_s, 1),  # from the median step
        "tokens_per_s_mean": round(args.batch * args.seq / step_mean_s, 1),  # from the mean step
        "step_ms": round(step_s * 1e3, 3),
        "step_mean_ms": round(step_mean_s * 1e3, 3),
        "forward_ms": ms(fwd),
        "backward_ms": ms(bwd),
        "optimizer_ms": ms(upd),  # median: the plain step between refreshes
        "optimizer_mean_ms": round(statistics.fmean(upd) * 1e3, 3),  # includes refreshes: what compare.py uses
        "optimizer_max_ms": round(max(upd) * 1e3, 3),
        "refresh_every": optimizers.REFRESH_EVERY[optimizer],
        "state_bytes": nbytes,
        "state_bytes_per_param": round(nbytes / params, 3),
        "loss_last": round(loss_value, 4),
        "reference": optimizers.reference(optimizer, args.shampoo_src if optimizer == "shampoo" else None),
        "torch_version": torch.__version__,
    }


def print_table(rows: list[dict], args) -> None:
    print(f"torch {torch.__version__}  {args.precision} {'compiled' if args.compile else 'eager'}  "
          f"threads {args.threads}  batch {args.batch} x seq {args.seq}  "
          f"{args.steps} timed steps; phase times are medians, 'opt mean' includes refreshes")
    head = (f"{'model':6s} {'optimizer':9s} {'params':>10s} {'tokens/s':>9s} {'step ms':>8s} {'fwd ms':>7s} "
            f"{'bwd ms':>7s} {'opt med':>8s} {'opt mean':>8s} {'opt max':>8s} {'B/param':>8s}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['model']:6s} {r['optimizer']:9s} {r['params']:>10,d} {r['tokens_per_s']:>9,.0f} "
              f"{r['step_ms']:>8.1f} {r['forward_ms']:>7.1f} {r['backward_ms']:>7.1f} {r['optimizer_ms']:>8.2f} "
              f"{r['optimizer_mean_ms']:>8.2f} {r['optimizer_max_ms']:>8.1f} {r['state_bytes_per_param']:>8.1f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="tiny", choices=[*SIZES, "all"], help="named size, or all (default tiny)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--optimizer", default="adamw", choices=[*optimizers.NAMES, "all"],
                    help="the study's optimizer, or all (default adamw)")
    ap.add_argument("--steps", type=int, default=60,
                    help="timed steps (default 60: three Shampoo and six SOAP refreshes)")
    ap.add_argument("--warmup", type=int, default=None,
                    help="untimed steps first (default 10; 20 for shampoo, whose preconditioning starts at step 20)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16"],
                    help="fp32 (default), or bf16: the paper's mixed precision, autocast to bfloat16 around "
                         "forward and loss; parameters and optimizer states stay fp32")
    ap.add_argument("--lr", type=float, default=None,
                    help="the coupled learning rate k (default per optimizer, see optimizers.DEFAULT_LR)")
    ap.add_argument("--momentum", type=float, default=0.9, help="study CLI default 0.9")
    ap.add_argument("--beta2", type=float, default=0.95, help="study CLI default 0.95")
    ap.add_argument("--eps", type=float, default=1e-8, help="study CLI default 1e-8")
    ap.add_argument("--weight-decay", type=float, default=0.0, help="study CLI default 0")
    ap.add_argument("--shampoo-src", default=None,
                    help="checkout of facebookresearch/optimizers (35b201e1) holding distributed_shampoo/; "
                         "default $QSCOPE_SHAMPOO_SRC")
    ap.add_argument("--psgd-schedule-step", type=int, default=0,
                    help="start PSGD's step counter here, to time a later point of its update-probability "
                         "schedule (default 0, as in training: the preconditioner is updated every step)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", type=Path, help="train on windows of this file's bytes instead of random bytes")
    ap.add_argument("--compile", action="store_true",
                    help="optional: torch.compile the model (needs a C++ toolchain; not the reference figure)")
    ap.add_argument("--json", action="store_true", help="one JSON object per (model, optimizer), one per line")
    args = ap.parse_args()
    if args.steps < 1:
        ap.error("--steps must be at least 1")
    if args.warmup is not None and args.warmup < 0:
        ap.error("--warmup must not be negative")

    torch.set_num_threads(args.threads)
    names = list(SIZES) if args.model == "all" else [args.model]
    opt_names = optimizers.NAMES if args.optimizer == "all" else [args.optimizer]
    if "shampoo" in opt_names:
        optimizers.load_distributed_shampoo(args.shampoo_src)  # fail before timing anything
    rows = []
    for name in names:
        for opt_name in opt_names:
            row = bench(name, opt_name, args)
            rows.append(row)
            if args.json:
                print(json.dumps(row), flush=True)
    if not args.json:
        print_table(rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
