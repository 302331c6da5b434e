"""Runs qscope's and PyTorch's training benchmarks back to back and prints the speed ratios.

Usage: python3 scripts/bench/compare.py [--model all] [--optimizer adamw|muon|...|all] [--threads 2]
                                        [--precision fp32|bf16|both] [--late-step N] [--json-out FILE]
                                        [--bf16-kernel amx|avx512bf16|emulated]
Needs torch==2.13.0 and a release build (make build); the other optimizers need the packages of
scripts/bench/README.md, and shampoo a facebookresearch/optimizers checkout (--shampoo-src).
One sitting, idle machine: shared machines drift by ±30% between sessions, so only ratios
measured together mean anything.

Each precision (fp32, bf16 or both; bf16 is the paper's mixed precision: PyTorch autocast, qscope
`--precision bf16`) runs on both sides: torch_baseline.py --precision P, then
`qscope bench --precision P --late-step 0` (or --late-step N when given here). Before the tables
comes a header of the machine and the kernels each side uses: /proc/cpuinfo's model and flags,
`qscope doctor --json` (skipped, with a note, when the binary has no doctor) and PyTorch's
version, CPU capability, MKL and oneDNN versions and threads.

Rows are joined on (model, optimizer, precision), and the two sides must agree on `params`.

The throughput table has one row per (model, optimizer): tokens/s (from the median step, on both
sides) per precision and side. Targets: qscope >= 1.5x torch at fp32 and at bf16; qscope bf16 >=
2x qscope fp32, checked at model m only and only on a CPU with bf16 hardware (avx512_bf16 or AMX).

The optimizer-step table (fp32 rows only) uses MEAN optimizer times, which include the amortised
preconditioner refreshes (Shampoo every 20 steps, SOAP every 10); the median would hide them. If
qscope's JSON has no `optimizer_mean_ms`, its median `optimizer_ms` is used and the row is marked
`(median)`. The target is qscope/torch <= 0.7 for the optimizer step. The step ratio compares
median step times (qscope reports a median `step_ms`).

--json-out FILE also writes the header facts, the targets, the joined rows (both sides' records)
and the throughput verdicts as one JSON document, to quote the figures later.
"""
import argparse
import datetime
import json
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
TARGET = 0.7  # qscope/torch optimizer ms (mean), at most
SPEED_TARGET = 1.5  # qscope/torch tokens/s at the same precision, at least
BF16_TARGET = 2.0  # qscope bf16/fp32 tokens/s, at least ...
BF16_MODEL = "m"  # ... checked at this model only
CPU_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")


def run(cmd, precision):
    try:
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    except subprocess.CalledProcessError as e:
        sys.exit(f"failed ({e.returncode}): {' '.join(cmd)}\n{e.stderr.strip()}")
    except OSError as e:
        sys.exit(f"cannot run {cmd[0]}: {e}")
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {(r["model"], r.get("optimizer", "adamw"), r.get("precision", precision)): r for r in rows}


def cpu_facts():
    """The first processor of /proc/cpuinfo: model name, family/model numbers, and which of the
    flags that matter it has (None each when there is no /proc/cpuinfo)."""
    facts = {"model_name": None, "family": None, "model": None, "flags": {f: None for f in CPU_FLAGS}}
    try:
        text = pathlib.Path("/proc/cpuinfo").read_text()
    except OSError:
        return facts
    for line in text.split("\n\n")[0].splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "model name":
            facts["model_name"] = value
        elif key == "cpu family" and value.isdigit():
            facts["family"] = int(value)
        elif key == "model" and value.isdigit():
            facts["model"] = int(value)
        elif key == "flags":
            present = set(value.split())
            facts["flags"] = {f: f in present for f in CPU_FLAGS}
    return facts


def qscope_doctor(binary):
    """`qscope doctor --json` as a dict, or (None, why) when this binary cannot give it."""
    try:
        done = subprocess.run([binary, "doctor", "--json"], capture_output=True, text=True, cwd=ROOT)
    except OSError as e:
        return None, str(e)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        why = (done.stderr.strip() or done.stdout.strip()).splitlines()
        return None, f"exit {done.returncode}" + (f": {why[0]}" if why else "")
    return json.loads(lines[-1]), None


def torch_facts(threads):
    """What PyTorch computes with: version, CPU capability, MKL and oneDNN versions, threads."""
    try:
        import torch
    except ImportError as e:
        return {"error": str(e)}
    config = torch.__config__.show()
    mkl = re.search(r"Math Kernel Library Version (.+?)(?: for |\n|$)", config)
    onednn = re.search(r"MKL-DNN (v[\w.]+)(?: \(Git Hash (\w+)\))?", config)
    try:
        bf16 = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:  # noqa: BLE001 - a private op; absent or failing just means unknown
        bf16 = None
    return {
        "version": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "mkl": mkl.group(1).strip() if mkl else None,
        "onednn": onednn.group(1) if onednn else None,
        "onednn_git_hash": onednn.group(2) if onednn else None,
        "onednn_bf16": bf16,
        "threads": threads,  # what torch_baseline.py --threads sets
        "default_threads": torch.get_num_threads(),  # torch's own choice on this machine
    }


def bf16_hardware(cpu, doctor):
    """True/False: the CPU has avx512_bf16 or AMX-BF16; None when neither source says."""
    flags = cpu["flags"]
    if flags["avx512_bf16"] is not None:
        return bool(flags["avx512_bf16"] or flags["amx_bf16"])
    if doctor and doctor.get("features") is not None:
        return bool({"avx512-bf16", "amx-bf16"} & set(doctor["features"].split()))
    return None


def print_header(cpu, doctor, doctor_error, tfacts, has_bf16):
    yes = lambda v: "?" if v is None else ("yes" if v else "no")  # noqa: E731
    sig = (f" (family {cpu['family']}, model {cpu['model']})" if cpu["family"] is not None else "")
    print(f"CPU      {cpu['model_name'] or 'unknown (no /proc/cpuinfo)'}{sig}")
    print("flags    " + ", ".join(f"{f} {yes(v)}" for f, v in cpu["flags"].items())
          + f"  => bf16 hardware: {yes(has_bf16)}")
    if doctor is None:
        print(f"qscope   doctor not available (older binary?): {doctor_error}")
    else:
        num = lambda key: f"{doctor[key]:.0f}" if isinstance(doctor.get(key), (int, float)) else "?"  # noqa: E731
        summary, kernel = doctor.get("blas_summary", "?"), doctor.get("blas_kernel", "?")
        print(f"qscope   fp32: {summary}" + ("" if kernel in summary else f" [kernel set {kernel}]"))
        print(f"         bf16: {doctor.get('bf16_kernel', '?')} ({doctor.get('bf16_kernel_reason', '?')})")
        print(f"         sgemm {num('sgemm_gflops_1_thread')} GFLOP/s on 1 thread, {num('sgemm_gflops_all_threads')} "
              f"on all {doctor.get('cores', '?')}; bf16 {num('bf16_gflops_1_thread')} GFLOP/s on 1 thread")
        print(f"         cpu {doctor.get('cpu', '?')}; features {doctor.get('features', '?')}")
    if "error" in tfacts:
        print(f"torch    not importable here: {tfacts['error']}")
    else:
        print(f"torch    {tfacts['version']}, capability {tfacts['cpu_capability']}, MKL {tfacts['mkl']}, "
              f"oneDNN {tfacts['onednn']} (bf16 {yes(tfacts['onednn_bf16'])}); "
              f"threads {tfacts['threads']} (torch's default here {tfacts['default_threads']})")
    print()


def verdict(ratio, target):
    return "ok" if ratio >= target else "MISS"


def throughput(joined, has_bf16):
    """One entry per (model, optimizer): tokens/s per side and precision, ratios, verdicts."""
    table = {}
    for row in joined:
        entry = table.setdefault((row["model"], row["optimizer"]),
                                 {"model": row["model"], "optimizer": row["optimizer"], "params": row["params"]})
        p = row["precision"]
        entry[f"torch_{p}_tokens_per_s"] = row["torch"]["tokens_per_s"]
        entry[f"qscope_{p}_tokens_per_s"] = row["qscope"]["tokens_per_s"]
        entry[f"{p}_ratio"] = row["tokens_ratio"]
        entry[f"{p}_verdict"] = verdict(row["tokens_ratio"], SPEED_TARGET)
    for entry in table.values():
        q32, q16 = entry.get("qscope_fp32_tokens_per_s"), entry.get("qscope_bf16_tokens_per_s")
        if q32 is None or q16 is None:
            continue
        entry["qscope_bf16_over_fp32"] = q16 / q32
        if entry["model"] != BF16_MODEL:
            entry["bf16_over_fp32_verdict"] = None  # checked at m only
        elif has_bf16 is False:
            entry["bf16_over_fp32_verdict"] = "n/a (no bf16 hardware)"
        else:
            entry["bf16_over_fp32_verdict"] = verdict(q16 / q32, BF16_TARGET) + ("" if has_bf16 else " (bf16 hw?)")
    return list(table.values())


def print_throughput(entries):
    print(f"tokens/s (from the median step). Targets: qscope/torch >= {SPEED_TARGET}x at fp32 and at bf16; "
          f"qscope bf16/fp32 >= {BF16_TARGET}x at model {BF16_MODEL} (needs avx512_bf16 or AMX).")
    head = (f"{'model':6} {'optimizer':9} {'params':>10} | {'fp32 torch':>10} {'qscope':>9} {'ratio':>12} | "
            f"{'bf16 torch':>10} {'qscope':>9} {'ratio':>12} | qscope bf16/fp32")
    print(head)
    print("-" * len(head))

    def side(e, p):
        t, q = e.get(f"torch_{p}_tokens_per_s"), e.get(f"qscope_{p}_tokens_per_s")
        if t is None:
            return f"{'-':>10} {'-':>9} {'-':>12}"
        return f"{t:>10,.0f} {q:>9,.0f} {e[f'{p}_ratio']:>6.2f}x {e[f'{p}_verdict']:4}"

    for e in entries:
        ratio = e.get("qscope_bf16_over_fp32")
        last = "-" if ratio is None else f"{ratio:.2f}x" + (f" {e['bf16_over_fp32_verdict']}"
                                                           if e["bf16_over_fp32_verdict"] else f" ({BF16_MODEL} only)")
        print(f"{e['model']:6} {e['optimizer']:9} {e['params']:>10} | {side(e, 'fp32')} | {side(e, 'bf16')} | {last}")


def print_optimizer_table(joined, hyper):
    rows = [row for row in joined if row["precision"] == "fp32"]
    print(f"optimizer ms (fp32 rows): MEAN over the timed steps (refreshes included); step ms: median. "
          f"Target: optimizer ratio <= {TARGET}." + (f" qscope --hyper {' '.join(hyper)}" if hyper else ""))
    if not rows:
        print("(no fp32 rows: run with --precision fp32 or both)")
        return
    head = (f"{'model':6} {'optimizer':9} {'params':>10} | {'opt ms torch':>12} {'qscope':>8} {'ratio':>7} | "
            f"{'step ms torch':>13} {'qscope':>8} {'ratio':>6} | {'B/param torch':>13} {'qscope':>7} | target")
    print(head)
    print("-" * len(head))
    for row in rows:
        t, q = row["torch"], row["qscope"]
        q_bytes = q.get("state_bytes_per_param")
        q_bytes_s = f"{q_bytes:>7.1f}" if q_bytes is not None else f"{'-':>7}"
        mark = " (median)" if row["optimizer_ratio_median"] else ""
        print(f"{row['model']:6} {row['optimizer']:9} {row['params']:>10} | {row['torch_optimizer_ms']:>12.2f} "
              f"{row['qscope_optimizer_ms']:>8.2f} {row['optimizer_ratio']:>6.2f}x | "
              f"{t['step_ms']:>13.1f} {q['step_ms']:>8.1f} {row['step_ratio']:>5.2f}x | "
              f"{t['state_bytes_per_param']:>13.1f} {q_bytes_s} | {row['optimizer_verdict']}{mark}")


def join(torch_rows, qscope_rows):
    """Both sides' records per (model, optimizer, precision), with the ratios; and the keys only
    qscope has."""
    joined, missing = [], []
    for key, q in qscope_rows.items():
        t = torch_rows.get(key)
        if t is None:
            missing.append(key)
            continue
        name, opt, precision = key
        assert t["params"] == q["params"], f"{name}: the two models differ ({t['params']} vs {q['params']} params)"
        q_opt, median = q.get("optimizer_mean_ms"), False
        if q_opt is None:
            q_opt, median = q["optimizer_ms"], True
        t_opt = t.get("optimizer_mean_ms", t["optimizer_ms"])
        joined.append({
            "model": name, "optimizer": opt, "precision": precision, "params": q["params"],
            "tokens_ratio": q["tokens_per_s"] / t["tokens_per_s"],
            "torch_optimizer_ms": t_opt, "qscope_optimizer_ms": q_opt, "optimizer_ratio": q_opt / t_opt,
            "optimizer_ratio_median": median, "optimizer_verdict": "ok" if q_opt / t_opt <= TARGET else "MISS",
            "step_ratio": q["step_ms"] / t["step_ms"],
            "torch": t, "qscope": q,
        })
    return joined, missing


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="all")
    ap.add_argument("--optimizer", default="adamw", help="adamw|muon|shampoo|soap|scion|psgd|all (both sides)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--precision", default="both", choices=["fp32", "bf16", "both"],
                    help="both sides: fp32, bf16 (mixed precision: torch autocast, qscope --precision bf16), "
                         "or both (default), each run back to back")
    ap.add_argument("--late-step", type=int, default=0, metavar="N",
                    help="qscope side: also time 20 steps from step N (default 0: no late window)")
    ap.add_argument("--steps", type=int, help="PyTorch side: timed steps (its default 60)")
    ap.add_argument("--warmup", type=int, help="PyTorch side: warm-up steps (its default 10, shampoo 20)")
    ap.add_argument("--seconds", type=float, help="qscope side: minimum seconds timed per size")
    ap.add_argument("--shampoo-src", help="PyTorch side: facebookresearch/optimizers checkout (35b201e1)")
    ap.add_argument("--qscope", default=str(ROOT / ".build/release/qscope"), help="the qscope binary")
    ap.add_argument("--bf16-kernel", choices=["amx", "avx512bf16", "emulated"],
                    help="qscope side, bf16 rows: the kernel to time (default: qscope's own choice; see qscope doctor)")
    ap.add_argument("--hyper", action="append", default=[], metavar="KEY=VALUE",
                    help="qscope side: an optimizer hyperparameter, e.g. ns_dtype=bfloat16 (repeatable)")
    ap.add_argument("--json-out", type=pathlib.Path, metavar="FILE",
                    help="also write the header facts and all joined rows to FILE as one JSON document")
    args = ap.parse_args()
    if args.late_step < 0:
        ap.error("--late-step must be 0 (off) or a step number")
    if shutil.which(args.qscope) is None:
        ap.error(f"no qscope binary at {args.qscope} (make build, or pass --qscope)")
    precisions = ["fp32", "bf16"] if args.precision == "both" else [args.precision]

    # The header first: doctor times its own small sgemm, so it runs before, not during, the benchmarks.
    cpu = cpu_facts()
    doctor, doctor_error = qscope_doctor(args.qscope)
    tfacts = torch_facts(args.threads)
    has_bf16 = bf16_hardware(cpu, doctor)
    print_header(cpu, doctor, doctor_error, tfacts, has_bf16)
    sys.stdout.flush()

    common = ["--model", args.model, "--optimizer", args.optimizer, "--threads", str(args.threads), "--json"]
    torch_rows, qscope_rows, commands = {}, {}, []
    for precision in precisions:
        torch_cmd = [sys.executable, "scripts/bench/torch_baseline.py", *common, "--precision", precision]
        if args.steps is not None:
            torch_cmd += ["--steps", str(args.steps)]
        if args.warmup is not None:
            torch_cmd += ["--warmup", str(args.warmup)]
        if args.shampoo_src:
            torch_cmd += ["--shampoo-src", args.shampoo_src]
        qscope_cmd = [args.qscope, "bench", *common, "--precision", precision, "--late-step", str(args.late_step)]
        if args.seconds is not None:
            qscope_cmd += ["--seconds", str(args.seconds)]
        for item in args.hyper:
            qscope_cmd += ["--hyper", item]
        if args.bf16_kernel and precision == "bf16":
            qscope_cmd += ["--bf16-kernel", args.bf16_kernel]
        commands += [torch_cmd, qscope_cmd]
        torch_rows.update(run(torch_cmd, precision))
        qscope_rows.update(run(qscope_cmd, precision))

    joined, missing = join(torch_rows, qscope_rows)
    entries = throughput(joined, has_bf16)
    print_throughput(entries)
    kernels = {}
    for row in joined:
        kernels.setdefault(row["precision"], set()).add(row["qscope"].get("matmul_kernel") or "?")
    if kernels:
        print("qscope products: " + "; ".join(f"{p} {', '.join(sorted(k))}" for p, k in kernels.items()))
    late = [row for row in joined if row["qscope"].get("late_tokens_per_s") is not None]
    for row in late:
        q = row["qscope"]
        print(f"qscope late window from step {q.get('late_step', args.late_step)}: {row['model']} {row['optimizer']} "
              f"{row['precision']}: {q['late_tokens_per_s']:,.0f} tokens/s "
              f"({q['late_tokens_per_s'] / q['tokens_per_s']:.2f}x the early window)")
    for row in joined:
        if row["torch"].get("threads") != row["qscope"].get("threads"):
            print(f"note: {row['model']} {row['optimizer']} {row['precision']}: torch used "
                  f"{row['torch'].get('threads')} threads, qscope {row['qscope'].get('threads')}")
    print()
    print_optimizer_table(joined, args.hyper)
    for key in missing:
        print(f"{key[0]:6} {key[1]:9} {key[2]:4} (no PyTorch row)")

    if args.json_out:
        document = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "header": {"cpu": cpu, "bf16_hardware": has_bf16, "qscope_doctor": doctor,
                       "qscope_doctor_error": doctor_error, "torch": tfacts},
            "settings": {"model": args.model, "optimizer": args.optimizer, "threads": args.threads,
                         "precision": precisions, "late_step": args.late_step, "steps": args.steps,
                         "warmup": args.warmup, "seconds": args.seconds, "hyper": args.hyper,
                         "bf16_kernel": args.bf16_kernel,
                         "commands": commands},
            "targets": {"qscope_over_torch_tokens_per_s_min": SPEED_TARGET,
                        "qscope_bf16_over_fp32_tokens_per_s_min": BF16_TARGET, "bf16_over_fp32_model": BF16_MODEL,
                        "qscope_over_torch_optimizer_mean_ms_max": TARGET},
            "throughput": entries,
            "rows": joined,
            "missing_torch_rows": [list(key) for key in missing],
        }
        args.json_out.write_text(json.dumps(document, indent=1) + "\n")
        print(f"wrote {args.json_out}")


if __name__ == "__main__":
    main()
