"""Runs qscope's and PyTorch's training benchmarks back to back and prints the speed ratio.

Usage: python3 scripts/bench/compare.py [--model all] [--threads 2]
Needs torch==2.13.0 and a release build (make build). One sitting, idle machine: shared
machines drift by ±30% between sessions, so only ratios measured together mean anything.
"""
import argparse
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return {r["model"]: r for r in map(json.loads, filter(None, out.splitlines()))}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default="all")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    common = ["--model", args.model, "--threads", str(args.threads), "--json"]
    torch = run([sys.executable, "scripts/bench/torch_baseline.py", *common])
    qscope = run([str(ROOT / ".build/release/qscope"), "bench", *common])
    print(f"{'model':6} {'params':>10} {'torch tok/s':>12} {'qscope tok/s':>13} {'ratio':>6}")
    for name, q in qscope.items():
        t = torch.get(name)
        if t is None:
            continue
        assert t["params"] == q["params"], f"{name}: the two models differ ({t['params']} vs {q['params']} params)"
        ratio = q["tokens_per_s"] / t["tokens_per_s"]
        print(f"{name:6} {q['params']:>10} {t['tokens_per_s']:>12.0f} {q['tokens_per_s']:>13.0f} {ratio:>6.2f}x")


if __name__ == "__main__":
    main()
