"""Runs qscope's and PyTorch's training benchmarks back to back and prints the speed ratios.

Usage: python3 scripts/bench/compare.py [--model all] [--optimizer adamw|muon|...|all] [--threads 2]
Needs torch==2.13.0 and a release build (make build); the other optimizers need the packages of
scripts/bench/README.md, and shampoo a facebookresearch/optimizers checkout (--shampoo-src).
One sitting, idle machine: shared machines drift by ±30% between sessions, so only ratios
measured together mean anything.

Rows are joined on (model, optimizer). The optimizer ratio uses MEAN optimizer times, which
include the amortised preconditioner refreshes (Shampoo every 20 steps, SOAP every 10); the
median would hide them. If qscope's JSON has no `optimizer_mean_ms`, its median `optimizer_ms`
is used and the row is marked `(median)`. The target is qscope/torch <= 0.7 for the optimizer
step. The step ratio compares median step times (qscope reports a median `step_ms`).
"""
import argparse
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
TARGET = 0.7


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {(r["model"], r.get("optimizer", "adamw")): r for r in rows}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="all")
    ap.add_argument("--optimizer", default="adamw", help="adamw|muon|shampoo|soap|scion|psgd|all (both sides)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, help="PyTorch side: timed steps (its default 60)")
    ap.add_argument("--warmup", type=int, help="PyTorch side: warm-up steps (its default 10, shampoo 20)")
    ap.add_argument("--seconds", type=float, help="qscope side: minimum seconds timed per size")
    ap.add_argument("--shampoo-src", help="PyTorch side: facebookresearch/optimizers checkout (35b201e1)")
    ap.add_argument("--qscope", default=str(ROOT / ".build/release/qscope"), help="the qscope binary")
    ap.add_argument("--hyper", action="append", default=[], metavar="KEY=VALUE",
                    help="qscope side: an optimizer hyperparameter, e.g. ns_dtype=bfloat16 (repeatable)")
    args = ap.parse_args()

    common = ["--model", args.model, "--optimizer", args.optimizer, "--threads", str(args.threads), "--json"]
    torch_cmd = [sys.executable, "scripts/bench/torch_baseline.py", *common]
    if args.steps is not None:
        torch_cmd += ["--steps", str(args.steps)]
    if args.warmup is not None:
        torch_cmd += ["--warmup", str(args.warmup)]
    if args.shampoo_src:
        torch_cmd += ["--shampoo-src", args.shampoo_src]
    qscope_cmd = [args.qscope, "bench", *common]
    if args.seconds is not None:
        qscope_cmd += ["--seconds", str(args.seconds)]
    for item in args.hyper:
        qscope_cmd += ["--hyper", item]

    torch = run(torch_cmd)
    qscope = run(qscope_cmd)

    head = (f"{'model':6} {'optimizer':9} {'params':>10} | {'opt ms torch':>12} {'qscope':>8} {'ratio':>7} | "
            f"{'step ms torch':>13} {'qscope':>8} {'ratio':>6} | {'B/param torch':>13} {'qscope':>7} | target")
    print(f"optimizer ms: MEAN over the timed steps (refreshes included); step ms: median. "
          f"Target: optimizer ratio <= {TARGET}." + (f" qscope --hyper {' '.join(args.hyper)}" if args.hyper else ""))
    print(head)
    print("-" * len(head))
    missing = []
    for key, q in qscope.items():
        t = torch.get(key)
        if t is None:
            missing.append(key)
            continue
        name, opt = key
        assert t["params"] == q["params"], f"{name}: the two models differ ({t['params']} vs {q['params']} params)"
        q_opt = q.get("optimizer_mean_ms")
        mark = ""
        if q_opt is None:
            q_opt, mark = q["optimizer_ms"], " (median)"
        t_opt = t.get("optimizer_mean_ms", t["optimizer_ms"])
        opt_ratio = q_opt / t_opt
        step_ratio = q["step_ms"] / t["step_ms"]
        verdict = "ok" if opt_ratio <= TARGET else "MISS"
        q_bytes = q.get("state_bytes_per_param")
        q_bytes_s = f"{q_bytes:>7.1f}" if q_bytes is not None else f"{'-':>7}"
        print(f"{name:6} {opt:9} {q['params']:>10} | {t_opt:>12.2f} {q_opt:>8.2f} {opt_ratio:>6.2f}x | "
              f"{t['step_ms']:>13.1f} {q['step_ms']:>8.1f} {step_ratio:>5.2f}x | "
              f"{t['state_bytes_per_param']:>13.1f} {q_bytes_s} | {verdict}{mark}")
    for key in missing:
        print(f"{key[0]:6} {key[1]:9} (no PyTorch row)")


if __name__ == "__main__":
    main()
