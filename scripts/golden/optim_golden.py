"""Golden vectors for the six optimizers (AdamW, Muon, Shampoo, SOAP, Scion, PSGD Kron) in float64.

Writes Tests/CoreTests/Golden/optim/<case>.json, one case per file, in the input format of
`qscope optim-replay FILE.json`:

  {"optimizer", "hyper", "param" (rows x cols), "grads" [step][row][col],
   "params" (expected parameter after each step), "source", "notes"}

Every case is produced twice or more: by the reference implementation (patched to float64, see
docs/optimizers.md §9) and by the float64 oracle in optim/oracles.py, and the script prints the
largest difference. The golden values come from the reference when it is on PyPI, and from the
oracle (verified against the reference checkout) when it is not.

  TORCHDYNAMO_DISABLE=1 python3 scripts/golden/optim_golden.py \
      --scion-ref DIR --soap-ref DIR --shampoo-ref DIR     # checkouts of the non-PyPI references
  python3 scripts/golden/optim_golden.py --check           # compute and compare, write nothing

Without the --*-ref options the oracle goldens are still written, with no cross-check against
those three references (the notes then say so).
"""
import os

os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")   # before torch is imported: torch.compile'd code runs eagerly

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import pathlib  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from importlib import metadata  # noqa: E402
from unittest import mock  # noqa: E402

import torch  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from optim import oracles  # noqa: E402
from optim import references as refs  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests/CoreTests/Golden/optim"
F64 = torch.float64
SCALES = [1.0, 0.3, 2.0, 0.05, 1.5, 0.7, 4.0, 0.1, 1.0, 0.5, 3.0, 0.2]   # gradient scale per step
FP32_EPS = float(torch.finfo(torch.float32).eps)
PIN = {"torch": "2.13.0", "pytorch_optimizer": "4.1.0", "kron-torch": "0.3.3", "muon-optimizer": "0.1.0"}
# Commits of the reference checkouts used to verify the oracles (GitHub HEAD when generated).
REF_COMMITS = {
    "scion": "LIONS-EPFL/scion f58a393e010395a5913176be5673d8839caa6285 (2026-04-08)",
    "soap": "nikhilvyas/SOAP a1e553530fde97d0e6b307d7c82ac6d38b072340 (2024-12-02)",
    "shampoo": "facebookresearch/optimizers f60660661194de26d3ee78bae6d15820ff8e583d (2026-08-05)",
}


def version(pkg):
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "missing"


def git_head(path):
    try:
        return subprocess.run(["git", "-C", path, "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except Exception:
        return None


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------

def random_inputs(shape, steps, seed):
    gen = torch.Generator().manual_seed(seed)
    p = torch.randn(*shape, generator=gen, dtype=F64)
    grads = [torch.randn(*shape, generator=gen, dtype=F64) * SCALES[i % len(SCALES)] for i in range(steps)]
    return p, grads


def pathological_inputs(shape, seed, pattern):
    """pattern: a string per step: 'z' zero gradient, 'r' random full-rank, '1' rank-1 u v^T,
    '2' the previous rank-1 direction scaled by -2.5, 'n' a new rank-1 direction."""
    gen = torch.Generator().manual_seed(seed)
    p = torch.randn(*shape, generator=gen, dtype=F64)
    grads = []
    u = v = None
    for i, c in enumerate(pattern):
        s = SCALES[i % len(SCALES)]
        if c == "z":
            grads.append(torch.zeros(*shape, dtype=F64))
        elif c == "r":
            grads.append(torch.randn(*shape, generator=gen, dtype=F64) * s)
        elif c in "1n":
            u = torch.randn(shape[0], 1, generator=gen, dtype=F64)
            v = torch.randn(1, shape[1], generator=gen, dtype=F64)
            grads.append(u @ v * s)
        elif c == "2":
            grads.append(-2.5 * (u @ v))
        else:
            raise ValueError(c)
    return p, grads


def max_diff(a, b):
    return max((x - y).abs().max().item() for x, y in zip(a, b))


# ---------------------------------------------------------------------------------------------
# eigen-basis sensitivity: rerun an oracle with eigh/qr perturbed the way another LAPACK (or the
# Swift Jacobi solver) could legitimately answer: input noise ~1e-14 relative, random column signs.
# ---------------------------------------------------------------------------------------------

@contextlib.contextmanager
def perturbed_linalg(seed=7, rel=1e-14):
    gen = torch.Generator().manual_seed(seed)
    real_eigh, real_qr = torch.linalg.eigh, torch.linalg.qr

    def eigh(A, *a, **k):
        n = A.shape[-1]
        E = torch.randn(n, n, generator=gen, dtype=A.dtype)
        A2 = A + rel * A.abs().max() * (E + E.T) / 2
        lam, Q = real_eigh(A2, *a, **k)
        signs = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0).to(A.dtype)
        return lam, Q * signs

    def qr(A, *a, **k):
        Q, R = real_qr(A, *a, **k)
        n = Q.shape[-1]
        signs = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0).to(A.dtype)
        return Q * signs, R * signs[:, None]

    with mock.patch.object(torch.linalg, "eigh", eigh), mock.patch.object(torch.linalg, "qr", qr):
        yield


# ---------------------------------------------------------------------------------------------
# native-precision runs of the references (informational: what a Float32/bf16 port can expect)
# ---------------------------------------------------------------------------------------------

def native_muon(param, grads, h):
    import muon as kj
    p = torch.nn.Parameter(param.float().clone())
    opt = kj.SingleDeviceMuon([p], lr=h["lr"], weight_decay=h["weight_decay"], momentum=h["momentum"])
    out = []
    for g in grads:
        p.grad = g.float().clone()
        opt.step()
        out.append(p.detach().double().clone())
    return out


def native_soap(param, grads, h, soap_dir):
    mod = refs._load_module("soap_native", f"{soap_dir}/soap.py")
    p = torch.nn.Parameter(param.float().clone())
    opt = mod.SOAP([p], lr=h["lr"], betas=tuple(h["betas"]), shampoo_beta=h["shampoo_beta"], eps=h["eps"],
                   weight_decay=h["weight_decay"], precondition_frequency=h["precondition_frequency"],
                   max_precond_dim=h["max_precond_dim"])
    out = []
    for g in grads:
        p.grad = g.float().clone()
        opt.step()
        out.append(p.detach().double().clone())
    return out


def native_shampoo(param, grads, h, fb_dir):
    if fb_dir not in sys.path:
        sys.path.insert(0, fb_dir)
    import distributed_shampoo as ds
    p = torch.nn.Parameter(param.float().clone())
    graft = ds.AdamPreconditionerConfig(beta2=h["grafting_beta2"], epsilon=h["grafting_eps"]) \
        if h["grafting"] == "adam" else None
    opt = ds.DistributedShampoo(
        [p], lr=h["lr"], betas=tuple(h["betas"]), epsilon=h["eps"], weight_decay=h["weight_decay"],
        max_preconditioner_dim=8192, precondition_frequency=h["precondition_frequency"],
        start_preconditioning_step=h["start_preconditioning_step"], use_bias_correction=True,
        grafting_config=graft,
        distributed_config=ds.SingleDeviceDistributedConfig(target_parameter_dimensionality=2))
    out = []
    for g in grads:
        p.grad = g.float().clone()
        opt.step()
        out.append(p.detach().double().clone())
    return out


def native_kron(param, grads, h):
    """kron_torch in its default float32, with the golden's noise fed back through randn_like."""
    import kron_torch.kron as kk
    noise = [torch.tensor(x, dtype=torch.float32) for x in h["noise"]]
    it = iter(noise)
    p = torch.nn.Parameter(param.float().clone())
    opt = kk.Kron([p], lr=h["lr"], b1=h["momentum"], weight_decay=h["weight_decay"],
                  preconditioner_update_probability=h["precond_update_probability"],
                  max_size_triangular=h["max_size_triangular"], precond_lr=h["precond_lr"],
                  precond_init_scale=h["precond_init_scale"])
    out = []
    with mock.patch.object(torch, "randn_like", lambda t, *a, **k: next(it).clone()), \
            contextlib.redirect_stdout(None):
        for g in grads:
            p.grad = g.float().clone()
            opt.step()
            out.append(p.detach().double().clone())
    return out


# ---------------------------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------------------------

def shampoo_h(**kw):
    h = dict(variant="distributed", lr=2 ** -6, betas=[0.9, 0.95], momentum=None, eps=1e-12,
             weight_decay=0.0, weight_decay_type="decoupled", grafting="adam", grafting_beta2=0.95,
             grafting_eps=1e-8, precondition_frequency=2, start_preconditioning_step=3,
             use_bias_correction=True, beta3=None, max_preconditioner_dim=8192, inverse_root_exponent=0.25)
    h.update(kw)
    h["momentum"] = h["betas"][0]
    h["beta3"] = h["betas"][0]
    return h


def gupta_h(**kw):
    h = dict(variant="gupta2018", lr=0.05, momentum=0.0, weight_decay=0.0, weight_decay_type="l2",
             matrix_eps=1e-6, precondition_frequency=1)
    h.update(kw)
    return h


def soap_h(**kw):
    h = dict(lr=3e-3, betas=[0.95, 0.95], momentum=None, eps=1e-8, weight_decay=0.01, precondition_frequency=2,
             shampoo_beta=-1, max_precond_dim=10000, correct_bias=True, normalize_grads=False, merge_dims=False)
    h.update(kw)
    h["momentum"] = h["betas"][0]
    return h


def muon_h(**kw):
    h = dict(lr=0.02, weight_decay=0.0, momentum=0.95, nesterov=True, ns_steps=5, scaling="keller",
             ns_eps=1e-7, ns_eps_mode="add", ns_coefficients=list(oracles.NS_COEFFS))
    h.update(kw)
    return h


def scion_h(**kw):
    h = dict(lr=2 ** -5, momentum=0.1, weight_decay=0.0, norm="spectral", scale=2.0, constrained=True,
             normalized=True, max=False, ns_steps=5, ns_eps=1e-7, ns_eps_mode="add",
             ns_coefficients=list(oracles.NS_COEFFS))
    h.update(kw)
    return h


def psgd_h(**kw):
    h = dict(variant="kron_torch", lr=0.01, momentum=0.9, weight_decay=0.0, precond_lr=0.1,
             precond_init_scale=1.0, precond_update_probability=1.0, max_size_triangular=8192,
             min_ndim_triangular=2, memory_save_mode=None, momentum_into_precond_update=True,
             noise_eps=FP32_EPS, tiny=float(torch.finfo(F64).tiny), clip_rms=1.1, clip_eps=1e-12)
    h.update(kw)
    if h["variant"] == "pytorch_optimizer":
        h.update(tiny=float(torch.finfo(torch.bfloat16).tiny), clip_eps=1e-6, noise_eps=None)
        h.setdefault("balance_prob", 0.01)
    return h


COMMON_NOTES = ("Everything float64. Inputs are seeded torch.randn (param) and torch.randn times a "
                "per-step scale from " + str(SCALES) + ". 'params'[k] is the parameter after step k+1. ")


def build_cases(a):
    """Each case: name, optimizer, hyper, inputs, golden (label, fn), checks [(label, fn)], source, notes."""
    C = []

    def add(name, optimizer, hyper, inputs, golden, checks, source, notes, native=None, sensitivity=False):
        C.append(dict(name=name, optimizer=optimizer, hyper=hyper, inputs=inputs, golden=golden, checks=checks,
                      source=source, notes=notes, native=native, sensitivity=sensitivity))

    orc = lambda opt: ("float64 oracle (scripts/golden/optim/oracles.py)",  # noqa: E731
                       lambda p, g, h: oracles.run(opt, p, g, h))

    # ---------------- AdamW
    src = f"torch {torch.__version__} torch.optim.AdamW(foreach=False), float64, unpatched"
    for name, shape, h, seed in [
        ("adamw_6x6", (6, 6), dict(lr=1e-2, betas=[0.9, 0.95], momentum=0.9, eps=1e-8, weight_decay=0.0), 11),
        ("adamw_4x8_wd", (4, 8), dict(lr=3e-3, betas=[0.8, 0.99], momentum=0.8, eps=1e-8, weight_decay=0.1), 12),
    ]:
        add(name, "adamw", h, random_inputs(shape, 8, seed), ("torch.optim.AdamW", refs.adamw_torch),
            [orc("adamw")], src,
            COMMON_NOTES + "Exact in fp64 (docs/optimizers.md §3): compare at ~1e-14 relative. 'momentum' repeats "
            "betas[0]. Order: p *= 1-lr*wd FIRST (un-bias-corrected lr); m = lerp(m,g,1-b1); v = b2 v + (1-b2) g^2; "
            "p -= (lr/bc1) m / (sqrt(v)/sqrt(bc2) + eps).")

    # ---------------- Muon
    kj_src = (f"KellerJordan Muon, PyPI muon-optimizer {version('muon-optimizer')} (import muon), "
              f"torch {torch.__version__}; patched Tensor.bfloat16 -> identity so Newton-Schulz runs in float64")
    th_src = (f"torch {torch.__version__} torch.optim.Muon (single-tensor path); patched Tensor.bfloat16 -> identity "
              "so Newton-Schulz runs in float64")
    muon_note = (COMMON_NOTES + "Order per step: B = lerp(B, g, 1-momentum); u = lerp(g, B, momentum) if nesterov "
                 "else B; NS5 on u (transpose first when rows > cols, then X/(||X||_F + ns_eps) for ns_eps_mode "
                 "'add' or X/max(||X||_F, ns_eps) for 'clamp'; 5 x {A = X X^T; X = a X + (b A + c A A) X}); "
                 "p *= 1 - lr*wd (UNadjusted lr); p -= lr*scale*O, scale = sqrt(max(1, rows/cols)) ('keller') or "
                 "0.2*sqrt(max(rows, cols)) ('match_rms_adamw'). ns_eps placement matters at ~2e-8: "
                 "'add' (KellerJordan) vs 'clamp' (torch.optim.Muon) differ by up to 3e-8 here. "
                 "Tolerance in Double ~1e-12; the bf16 reference is ~1e-2 away (see native diff), so never "
                 "compare a bf16 NS against these.")
    for name, shape, h, seed, gold in [
        ("muon_6x6_nesterov", (6, 6), muon_h(), 21, ("muon.SingleDeviceMuon", refs.muon_kj)),
        ("muon_8x4_nesterov_wd", (8, 4), muon_h(weight_decay=0.1), 22, ("muon.SingleDeviceMuon", refs.muon_kj)),
        ("muon_4x8_plain_wd", (4, 8), muon_h(nesterov=False, weight_decay=0.01, momentum=0.9), 23,
         ("muon.muon_update(nesterov=False)", refs.muon_kj)),
        ("muon_8x4_plain", (8, 4), muon_h(nesterov=False, lr=0.05), 24,
         ("muon.muon_update(nesterov=False)", refs.muon_kj)),
        ("muon_pathological_4x6", (4, 6), muon_h(weight_decay=0.01), None,
         ("muon.SingleDeviceMuon", refs.muon_kj)),
        ("muon_6x4_match_rms_adamw", (6, 4), muon_h(scaling="match_rms_adamw", ns_eps_mode="clamp",
                                                    lr=1e-2, weight_decay=0.1), 25,
         ("torch.optim.Muon(adjust_lr_fn='match_rms_adamw')", refs.muon_torch)),
    ]:
        inputs = random_inputs(shape, 8, seed) if seed else pathological_inputs(shape, 26, "z12rznrr")
        note = muon_note
        if seed is None:
            note += (" PATHOLOGICAL: steps = [zero, rank-1, same rank-1 x -2.5, random, zero, new rank-1, random, "
                     "random]. Finite: NS(0) = 0/(0 + 1e-7) = 0, so a zero first step only applies the decay; a "
                     "rank-1 u is mapped to ~f(1) u v^T/(|u||v|) (one singular value, NS5 maps 1 to about 0.7-1.2).")
        other = ("torch.optim.Muon (eps clamp: different placement)", refs.muon_torch) \
            if h["scaling"] == "keller" else None
        checks = [orc("muon")] + ([other] if other else [])
        native = (lambda p, g, h: native_muon(p, g, h)) if (h["nesterov"] and h["scaling"] == "keller") else None
        add(name, "muon", h, inputs, gold, checks, kj_src if h["scaling"] == "keller" else th_src, note,
            native=("KellerJordan SingleDeviceMuon, fp32 params, bf16 NS (unpatched)", native) if native else None)

    # ---------------- Shampoo (Distributed, oracle) and Gupta-2018 (pytorch-optimizer)
    fb = a.shampoo_ref
    fb_check = [("facebookresearch DistributedShampoo, fp64 factors/roots, default dtype fp64",
                 lambda p, g, h: refs.shampoo_fb(p, g, h, fb))] if fb else []
    fb_native = ("DistributedShampoo defaults: fp32 params/factors/roots", lambda p, g, h: native_shampoo(p, g, h, fb)) \
        if fb else None
    shampoo_src = ("float64 oracle of facebookresearch/optimizers DistributedShampoo (" + REF_COMMITS["shampoo"] +
                   "), written from docs/optimizers.md §5.1; RootInvShampooPreconditionerConfig with EigenConfig "
                   "(eigh + perturbation before computation), SingleDeviceDistributedConfig("
                   "target_parameter_dimensionality=2), max_preconditioner_dim=8192 (no blocking), "
                   "DECOUPLED weight decay")
    shampoo_note = (COMMON_NOTES + "Order per step t: (1) L = b2 L + w G G^T, R = b2 R + w G^T G with w = 1 if b2 == 1 "
                    "else 1-b2; (2) grafting V = gb2 V + (1-gb2) G^2; (3) if (t % f == 0 and t > start) or "
                    "t == start: Linv = root_inv(L/bc2), Rinv = root_inv(R/bc2) with bc2 = 1-b2^t (1 if b2 == 1), "
                    "root_inv(A) = eigh(A + eps I) -> if min(lam) < eps: lam = lam - min(lam) + eps -> "
                    "Q diag(lam^-1/4) Q^T; inverse roots start as IDENTITY; (4) M = lerp(M, G, 1-b1), "
                    "Mh = M/(1 - b1^t); (5) Pg = Mh/(sqrt(V/(1-gb2^t)) + geps); if t < start and grafting: P = Pg, "
                    "else P = Linv Mh Rinv and, with grafting, P *= ||Pg||_F/(||P||_F + 1e-16); without grafting "
                    "and t < start P = Mh (identity roots); (6) P += wd*W; W -= lr*P. "
                    "lr is a power of two because the reference stores lr as an fp32 tensor. "
                    "Root inverses are basis-invariant; compare in Double at ~1e-10 relative.")
    for name, shape, h, inputs in [
        ("shampoo_6x6_adam_graft", (6, 6), shampoo_h(eps=1e-10), random_inputs((6, 6), 9, 31)),
        ("shampoo_4x8_adagrad_nograft_wd", (4, 8),
         shampoo_h(lr=2 ** -7, betas=[0.9, 1.0], grafting="none", precondition_frequency=3,
                   start_preconditioning_step=3, weight_decay=0.1), random_inputs((4, 8), 9, 32)),
        ("shampoo_8x4_adam_graft_wd", (8, 4),
         shampoo_h(betas=[0.95, 0.99], grafting_beta2=0.99, precondition_frequency=2, start_preconditioning_step=2,
                   weight_decay=0.05), random_inputs((8, 4), 9, 33)),
        ("shampoo_pathological_5x5", (5, 5),
         shampoo_h(eps=1e-8, precondition_frequency=1, start_preconditioning_step=1, weight_decay=0.01),
         pathological_inputs((5, 5), 34, "z12rznrr")),
    ]:
        note = shampoo_note
        if "pathological" in name:
            note += (" PATHOLOGICAL: steps = [zero, rank-1 u v^T, the same rank-1 scaled by -2.5, random, zero, a new "
                     "rank-1, random, random], roots recomputed every step (f = start = 1). The reference is finite "
                     "throughout: a zero first gradient gives L = R = 0 -> root_inv = eps^-1/4 I but Mh = 0 and "
                     "Pg = 0, so P = 0 * 0/(0 + 1e-16) = 0 (only decay moves W); rank-1 factors get eps^-1/4 on "
                     "their null space, which Mh does not touch because roots are refreshed every step (Mh stays in "
                     "the factors' range). Rounding in Mh that falls in BOTH null spaces is amplified by eps^-1/2 "
                     "(1e4 for eps = 1e-8, hence eps 1e-8 here; with the paper's 1e-10 or the default 1e-12 the reference "
                     "itself and this oracle differ by 4e-13 to 3e-11 on such inputs): compare this file at ~1e-10 "
                     "absolute, not 1e-14.")
        add(name, "shampoo", h, inputs, orc("shampoo"), fb_check, shampoo_src, note, native=fb_native,
            sensitivity=True)

    gupta_src = (f"pytorch-optimizer {version('pytorch_optimizer')} Shampoo(momentum=0, matrix_eps, "
                 "preconditioning_compute_steps = precondition_frequency), float64, unpatched")
    gupta_note = (COMMON_NOTES + "Gupta et al. 2018: L0 = matrix_eps I, R0 = matrix_eps I; per step: if wd: G += wd W "
                  "(weight_decay_type 'l2', pytorch-optimizer default weight_decouple=False); L += G G^T; R += G^T G; "
                  "if t % f == 0: Linv = L^-1/4, Rinv = R^-1/4 (SVD in the reference = eigh for PSD); "
                  "W -= lr Linv G Rinv. Inverse roots start at ZERO (so with f > 1 the first f-1 steps do not move W). "
                  "momentum must stay 0 (the reference's momentum>0 path has odd in-place semantics).")
    for name, shape, h, seed in [
        ("shampoo_gupta_5x5", (5, 5), gupta_h(), 35),
        ("shampoo_gupta_4x6_l2", (4, 6), gupta_h(weight_decay=0.01, lr=0.02), 36),
    ]:
        add(name, "shampoo", h, random_inputs(shape, 8, seed), ("pytorch_optimizer.Shampoo", refs.shampoo_pytopt),
            [orc("shampoo")], gupta_src, gupta_note, sensitivity=True)

    # ---------------- SOAP (oracle)
    so = a.soap_ref
    soap_checks = ([("nikhilvyas soap.py, default dtype fp64, Tensor.float patched",
                     lambda p, g, h: refs.soap_nikhilvyas(p, g, h, so))] if so else []) + \
        [("pytorch_optimizer.SOAP fp64 (its QR is forced to fp32)", refs.soap_pytopt)]
    soap_native = ("nikhilvyas soap.py as shipped: fp32 params, fp32 eigh/QR",
                   lambda p, g, h: native_soap(p, g, h, so)) if so else None
    soap_src = ("float64 oracle of nikhilvyas/SOAP soap.py (" + REF_COMMITS["soap"] + "), written from docs/optimizers.md §6; "
                "merge_dims=False, precondition_1d=False, normalize_grads=False, correct_bias=True")
    soap_note = (COMMON_NOTES + "The FIRST step only builds GG = (1-bs) outer(G) and Q = eigh(GG + 1e-30 I) with columns "
                 "flipped to descending eigenvalues: the parameter does not move (params[0] == param) and the step "
                 "counter stays 0. Later steps (t = 1, 2, ...): g' = Q_L^T G Q_R; m = b1 m + (1-b1) g' (m lives in the "
                 "rotated basis); v = b2 v + (1-b2) g'^2; p -= lr sqrt(1-b2^t)/(1-b1^t) * Q_L (m/(sqrt(v)+eps)) Q_R^T; "
                 "then p -= lr*wd*p (AFTER the update, on the updated p, plain lr); then m -> original basis; "
                 "GG = lerp(GG, outer(G), 1-bs) with bs = shampoo_beta if >= 0 else b2; if t % f == 0, per factor i "
                 "in order: est = diag(Q_i^T GG_i Q_i), idx = argsort(est, descending), v = v.index_select(i, idx), "
                 "Q_i = Q_i[:, idx], Q_i = qr(GG_i Q_i).Q; then m -> rotated basis with the new Q. A side whose "
                 "dimension exceeds max_precond_dim has no factor (identity). Column signs of Q (eigh or QR) do not "
                 "matter. First gradients are square full-rank (or the null side is switched off with "
                 "max_precond_dim) so the eigenbasis is unique up to signs (docs/optimizers.md §9.3). Compare in Double at "
                 "~1e-10 relative.")
    for name, shape, h, inputs in [
        ("soap_6x6", (6, 6), soap_h(), random_inputs((6, 6), 9, 41)),
        ("soap_5x5_wd_f3", (5, 5), soap_h(lr=1e-2, betas=[0.9, 0.99], shampoo_beta=0.9, weight_decay=0.1,
                                          precondition_frequency=3), random_inputs((5, 5), 10, 42)),
        ("soap_4x8_left_only", (4, 8), soap_h(max_precond_dim=4), random_inputs((4, 8), 9, 43)),
        ("soap_8x4_right_only", (8, 4), soap_h(max_precond_dim=4, weight_decay=0.0), random_inputs((8, 4), 9, 44)),
        ("soap_pathological_5x5", (5, 5), soap_h(), pathological_inputs((5, 5), 45, "rz12rznr")),
    ]:
        note = soap_note
        if "pathological" in name:
            note += (" PATHOLOGICAL: steps = [random (builds Q), zero, rank-1, the same rank-1 scaled by -2.5, random, "
                     "zero, new rank-1, random]. Finite throughout: a zero gradient only decays m and v. NOT shipped: "
                     "a zero FIRST gradient (GG = 0, so eigh(1e-30 I) may return any orthonormal basis; LAPACK returns "
                     "I, flipped to the anti-identity, i.e. plain Adam until the first refresh) and a rank-deficient "
                     "first gradient (basis of the null space is arbitrary).")
        if "only" in name:
            note += " Rectangular: the side longer than max_precond_dim = 4 is not preconditioned (identity)."
        add(name, "soap", h, inputs, orc("soap"), soap_checks, soap_src, note, native=soap_native, sensitivity=True)

    # ---------------- Scion (oracle)
    sc = a.scion_ref
    lions = ("LIONS-EPFL scion.py, Tensor.bfloat16 patched", lambda p, g, h: refs.scion_lions(p, g, h, sc))
    pyo = ("pytorch_optimizer.SCION(foreach=False), NS patched to fp64", refs.scion_pytopt)
    scion_src = ("float64 oracle of LIONS-EPFL/scion scion.py (" + REF_COMMITS["scion"] + "), docs/optimizers.md §7")
    scion_src_pyo = (f"float64 oracle of pytorch-optimizer {version('pytorch_optimizer')} SCION (the class the paper's "
                     "code uses), which adds decoupled weight decay to LIONS-EPFL scion.py")
    scion_note = (COMMON_NOTES + "'momentum' is Scion's: the weight of the NEW gradient (1 - usual momentum); 1.0 means "
                  "no buffer (d = g). Per step: [pytorch-optimizer only, unconstrained only: p *= 1 - lr*wd]; "
                  "d = (1-momentum) d + momentum g (d starts at 0); LMO: spectral = NS5(d) (same NS as Muon, eps "
                  "placement per ns_eps_mode) * sqrt(d_out/d_in) (normalized; max=True would be max(1, .)); sign = "
                  "sign(d)/d_in (normalized; sign(0) = 0); update = scale * LMO; if constrained: p *= 1 - lr; "
                  "p -= lr * update. Rows are d_out, columns d_in.")
    scion_cases = [
        ("scion_6x6_spectral_constrained", (6, 6), scion_h(), 51, [lions, pyo]),
        ("scion_4x8_spectral_unconstrained_nobuffer", (4, 8), scion_h(constrained=False, momentum=1.0, scale=1.0), 52,
         [lions, pyo]),
        ("scion_8x4_sign_constrained", (8, 4), scion_h(norm="sign", momentum=0.5, scale=4.0), 53, [lions, pyo]),
        ("scion_6x4_sign_unconstrained", (6, 4), scion_h(norm="sign", constrained=False, scale=8.0), 54, [lions, pyo]),
        ("scion_8x4_spectral_unconstrained_wd", (8, 4),
         scion_h(constrained=False, weight_decay=0.1, ns_eps_mode="clamp", scale=3.0), 55, [pyo]),
    ]
    for name, shape, h, seed, checks in scion_cases:
        checks = [c for c in checks if c is not lions or sc]
        # each reference is compared with the oracle in ITS eps placement
        wrapped = []
        for label, fn in checks:
            mode = "clamp" if fn is refs.scion_pytopt else "add"
            if h["norm"] == "spectral" and mode != h["ns_eps_mode"]:
                label += f" [oracle rerun with ns_eps_mode={mode}]"
                wrapped.append((label, fn, mode))
            else:
                wrapped.append((label, fn, None))
        add(name, "scion", h, random_inputs(shape, 8, seed), orc("scion"), wrapped,
            scion_src_pyo if h["weight_decay"] else scion_src, scion_note)

    # ---------------- PSGD Kron (kron_torch reference run records the noise)
    kt_src = (f"kron_torch {version('kron-torch')} Kron (evanatyourservice), precond_dtype=float64, Tensor.float "
              "patched in its triangular solves, TORCHDYNAMO_DISABLE=1; torch.randn_like recorded into hyper.noise")
    po_src = (f"pytorch-optimizer {version('pytorch_optimizer')} Kron (the class the paper's code uses), "
              "precondition_dtype=float64, its fp32 solve_triangular_right replaced by a float64 one; "
              "torch.randn_like recorded into hyper.noise; numpy RNG seeded for the balance coin")
    psgd_note = (COMMON_NOTES + "variant 'kron_torch' (docs/optimizers.md §8). Per step t: m = b1 m + (1-b1) g; "
                 "mh = m/(1-b1^t); if t in balance_steps: Q_i *= gmean_j(max|Q_j|)/max|Q_i|; if t in "
                 "precond_update_steps: V = next noise tensor; mh += sqrt(noise_eps)*mean|mh|*V IN PLACE (the noisy mh "
                 "is also what gets preconditioned below); A = Q_L mh Q_R^T; B = Q_L^-T V Q_R^-1 (upper-triangular "
                 "solves); for each factor with A, B fixed: T1 = A A^T (left) / A^T A (right), T2 likewise from B; "
                 "d = precond_lr (T1-T2); s = T1+T2; triangular Q: Q -= triu(d)/max(lb(s), tiny) Q with "
                 "lb(s): nrm = max|s|, s /= nrm, j = argmax_j sum_i s_ij^2, x = s[:,j]^T s, x /= ||x||, "
                 "lb = ||s x|| * nrm; diagonal q (dim > max_size_triangular): q -= d*q/max(max|s|, tiny); "
                 "then P = (Q_L^T Q_L) mh (Q_R^T Q_R); P *= min(1, clip_rms/(rms(P) + clip_eps)); P += wd*p "
                 "(the reference's 'weight_decay' is added to the direction, i.e. decoupled p *= 1-lr*wd); "
                 "p -= lr P. Q_i init: precond_init_scale^(1/2) I. precond_update_probability p: the reference is "
                 "deterministic, updating when a counter reaches 1/p (p = 1: every step; p = 0.5: steps 2, 4, ...); "
                 "precond_update_steps lists them. Balancing comes from random.Random(42) (first fires at step 20) "
                 "and is recorded in balance_steps. tiny = float64 tiny here (the fp32 reference uses fp32 tiny; it "
                 "never binds in these cases).")
    pyo_note = (COMMON_NOTES + "variant 'pytorch_optimizer' differs from kron_torch in: NO noise is added to mh (A = "
                "Q_L mh Q_R^T with the clean mh; V only enters B); lower bound = pytorch-optimizer norm_lower_bound "
                "(two-sided: for symmetric s the row branch: j = argmax row sum of s^2 of s/max|s|, x = s s[j,:]^T "
                "normalised, lb = ||s^T x|| max|s|); the division adds tiny (bf16 tiny) instead of clamping; diagonal: "
                "q -= d*q/(max|s| + tiny); clip P *= min(1, 1.1/(rms(P) + 1e-6)); balance: geometric mean as "
                "prod^(1/n), coin = np.random.random() < balance_prob (recorded in balance_steps); precond_lr 0.1 and "
                "precond_init_scale 1.0 are fixed group defaults there (not constructor arguments), lr default 1e-3, "
                "precondition_dtype default float32. Everything else as kron_torch (see psgd_6x6.json notes).")
    psgd_cases = [
        ("psgd_6x6", psgd_h(), random_inputs((6, 6), 8, 61), "kron_torch"),
        ("psgd_4x8_wd", psgd_h(weight_decay=0.1), random_inputs((4, 8), 8, 62), "kron_torch"),
        ("psgd_8x4_diag_prob05", psgd_h(max_size_triangular=4, precond_update_probability=0.5),
         random_inputs((8, 4), 8, 63), "kron_torch"),
        ("psgd_5x5_balance", psgd_h(lr=3e-3), random_inputs((5, 5), 22, 64), "kron_torch"),
        ("psgd_pathological_5x5", psgd_h(), pathological_inputs((5, 5), 65, "z12rznrr"), "kron_torch"),
        ("psgd_pytorch_optimizer_6x6", psgd_h(variant="pytorch_optimizer", balance_prob=0.5, weight_decay=0.05),
         random_inputs((6, 6), 8, 66), "pytorch_optimizer"),
        ("psgd_pytorch_optimizer_4x8_diag", psgd_h(variant="pytorch_optimizer", max_size_triangular=4,
                                                   balance_prob=0.0),
         random_inputs((4, 8), 8, 67), "pytorch_optimizer"),
    ]
    for i, (name, h, inputs, variant) in enumerate(psgd_cases):
        note = psgd_note if variant == "kron_torch" else pyo_note
        if "pathological" in name:
            note += (" PATHOLOGICAL: steps = [zero, rank-1, same rank-1 x -2.5, random, zero, new rank-1, random, "
                     "random]. Finite: with mh = 0 the noise term is 0, A = 0, and Q still moves from B alone; P = 0.")
        if "diag" in name:
            note += " The dimension of size 8 exceeds max_size_triangular = 4, so its Q is a diagonal (vector)."
        if "balance" in name:
            note += " 22 steps so that the Random(42) balance coin fires at step 20."
        gold = ("kron_torch.Kron" if variant == "kron_torch" else "pytorch_optimizer.Kron",
                refs.psgd_kron_torch if variant == "kron_torch" else refs.psgd_pytopt)
        native = ("kron_torch as shipped: fp32 params/Q/solves, same noise",
                  lambda p, g, h: native_kron(p, g, h)) if variant == "kron_torch" else None
        add(name, "psgd", h, inputs, gold, [orc("psgd")], kt_src if variant == "kron_torch" else po_src, note,
            native=native)
        C[-1]["seed"] = 600 + i
    return C


# ---------------------------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------------------------

def run_case(c):
    p, grads = c["inputs"]
    h = dict(c["hyper"])
    label, fn = c["golden"]
    if c["optimizer"] == "psgd":
        golden, rec = fn(p, grads, h, c["seed"])
        h["noise"] = [x.tolist() for x in rec.noise]
        h["precond_update_steps"] = rec.update_steps
        h["balance_steps"] = rec.balance_steps
    else:
        golden = fn(p, grads, h)
    results = []
    for chk in c["checks"]:
        if len(chk) == 3:
            clabel, cfn, mode = chk
            if mode is not None:
                hh = dict(h, ns_eps_mode=mode)
                d = max_diff(cfn(p, grads, hh), oracles.run(c["optimizer"], p, grads, hh))
                results.append((clabel, d))
                continue
        else:
            clabel, cfn = chk
        results.append((clabel, max_diff(cfn(p, grads, h), golden)))
    sens = None
    if c["sensitivity"]:
        with perturbed_linalg():
            sens = max_diff(oracles.run(c["optimizer"], p, grads, h), golden)
    nat = None
    if c["native"]:
        nlabel, nfn = c["native"]
        nat = (nlabel, max_diff(nfn(p, grads, h), golden))
    move = max_diff(golden, [p] * len(golden))
    return h, golden, results, sens, nat, move


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scion-ref", help="checkout of LIONS-EPFL/scion (dir containing scion.py)")
    ap.add_argument("--soap-ref", help="checkout of nikhilvyas/SOAP (dir containing soap.py)")
    ap.add_argument("--shampoo-ref", help="checkout of facebookresearch/optimizers (dir containing distributed_shampoo/)")
    ap.add_argument("--check", action="store_true", help="compute and compare only; write nothing")
    ap.add_argument("--only", help="comma-separated case-name prefixes")
    a = ap.parse_args()
    logging.disable(logging.WARNING)   # DistributedShampoo logs every construction
    for pkg, want in PIN.items():
        have = version(pkg)
        if not have.startswith(want):
            print(f"warning: {pkg} {have} installed, goldens were made with {want}", file=sys.stderr)
    for key in ("scion_ref", "soap_ref", "shampoo_ref"):
        d = getattr(a, key)
        if d:
            head = git_head(d)
            print(f"{key}: {d} (HEAD {head or 'not a git checkout'})")
        else:
            print(f"{key}: not given, that reference is not cross-checked")
    torch.set_num_threads(1)
    OUT.mkdir(parents=True, exist_ok=True)
    worst = 0.0
    for c in build_cases(a):
        if a.only and not any(c["name"].startswith(s) for s in a.only.split(",")):
            continue
        h, golden, results, sens, nat, move = run_case(c)
        p, grads = c["inputs"]
        assert all(torch.isfinite(x).all() for x in golden), c["name"]
        lines = [f"{c['name']:44s} golden: {c['golden'][0]}; |param change| max {move:.3g}"]
        check_txt = []
        for label, d in results:
            lines.append(f"    vs {label}: max |diff| {d:.3g}")
            check_txt.append(f"{label}: {d:.2g}")
            if "different placement" not in label and "fp32" not in label:
                worst = max(worst, d)
        if sens is not None:
            lines.append(f"    eigen-basis sensitivity (eigh input +1e-14 rel, random column signs): {sens:.3g}")
        if nat is not None:
            lines.append(f"    native precision ({nat[0]}): {nat[1]:.3g}")
        print("\n".join(lines))
        notes = c["notes"]
        notes += " Cross-checks (max abs diff of params vs this golden): " + ("; ".join(check_txt) or "none run") + "."
        if sens is not None:
            notes += (f" Eigen-basis sensitivity (eigh inputs perturbed by 1e-14 relative, random eigen/QR column signs):"
                      f" {sens:.2g}.")
        if nat is not None:
            notes += (f" For scale only, not a tolerance: {nat[0]} is {nat[1]:.2g} away (largest parameter move over "
                      f"the run {move:.2g}).")
        doc = {
            "optimizer": c["optimizer"],
            "hyper": h,
            "param": p.tolist(),
            "grads": [g.tolist() for g in grads],
            "params": [x.tolist() for x in golden],
            "source": c["source"] + f" [golden values from: {c['golden'][0]}]",
            "notes": notes,
        }
        if not a.check:
            path = OUT / f"{c['name']}.json"
            path.write_text(json.dumps(doc) + "\n")
    print(f"worst oracle/reference disagreement (same eps placement, fp64): {worst:.3g}")
    if worst > 1e-12:
        sys.exit("FAIL: a reference and its oracle disagree by more than 1e-12")


if __name__ == "__main__":
    main()
