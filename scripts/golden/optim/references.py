"""Runners for the reference implementations, patched to run in float64 (docs/optimizers.md §9).

Each runner takes (param, grads, hyper) as float64 tensors/dict and returns the parameter after every
step. The PSGD runners also return what the reference drew at random (noise, balance and update steps).
TORCHDYNAMO_DISABLE=1 must be set before torch is imported (optim_golden.py does it).

Reference checkouts that are not on PyPI are imported from a directory given on the command line:
  LIONS-EPFL/scion               (scion.py)
  nikhilvyas/SOAP                (soap.py)
  facebookresearch/optimizers    (distributed_shampoo/)
"""
import contextlib
import functools
import importlib.util
import sys
from unittest import mock

import numpy as np
import torch

F64 = torch.float64


@contextlib.contextmanager
def default_dtype(dtype):
    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(old)


def _identity_cast(self, *a, **k):
    return self.clone()


def no_bf16():
    """Tensor.bfloat16 -> identity (copy): KellerJordan muon, torch.optim.Muon, LIONS-EPFL scion."""
    return mock.patch.object(torch.Tensor, "bfloat16", _identity_cast)


def no_float():
    """Tensor.float -> identity (copy): nikhilvyas SOAP eigh/QR, kron_torch triangular solves."""
    return mock.patch.object(torch.Tensor, "float", _identity_cast)


def _drive(opt, p, grads, ctx=contextlib.nullcontext):
    out = []
    for g in grads:
        p.grad = g.clone()
        with ctx():
            opt.step()
        out.append(p.detach().clone())
    return out


def _load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ------------------------------------------------------------------------------ AdamW
def adamw_torch(param, grads, h):
    p = torch.nn.Parameter(param.clone())
    opt = torch.optim.AdamW([p], lr=h["lr"], betas=tuple(h["betas"]), eps=h["eps"],
                            weight_decay=h["weight_decay"], foreach=False)
    return _drive(opt, p, grads)


# ------------------------------------------------------------------------------ Muon
def muon_kj(param, grads, h):
    """KellerJordan muon (PyPI muon-optimizer 0.1.0). SingleDeviceMuon hard-wires nesterov=True and
    ns_steps=5, so other settings call its muon_update() the way SingleDeviceMuon.step() does."""
    import muon as kj
    assert h["scaling"] == "keller"
    p = torch.nn.Parameter(param.clone())
    if h["nesterov"] and h["ns_steps"] == 5:
        opt = kj.SingleDeviceMuon([p], lr=h["lr"], weight_decay=h["weight_decay"], momentum=h["momentum"])
        return _drive(opt, p, grads, no_bf16)
    buf = torch.zeros_like(param)
    out = []
    with torch.no_grad(), no_bf16():
        for g in grads:
            update = kj.muon_update(g.clone(), buf, beta=h["momentum"], ns_steps=h["ns_steps"],
                                    nesterov=h["nesterov"])
            p.mul_(1 - h["lr"] * h["weight_decay"])
            p.add_(update, alpha=-h["lr"])
            out.append(p.detach().clone())
    return out


def muon_torch(param, grads, h):
    p = torch.nn.Parameter(param.clone())
    adjust = {"keller": "original", "match_rms_adamw": "match_rms_adamw"}[h["scaling"]]
    opt = torch.optim.Muon([p], lr=h["lr"], weight_decay=h["weight_decay"], momentum=h["momentum"],
                           nesterov=h["nesterov"], ns_steps=h["ns_steps"], eps=h["ns_eps"],
                           adjust_lr_fn=adjust)
    return _drive(opt, p, grads, no_bf16)


# ------------------------------------------------------------------------------ Shampoo
def shampoo_fb(param, grads, h, fb_dir):
    """facebookresearch/optimizers DistributedShampoo, fp64 factors/roots, classic 2-D blocks.

    lr is stored as an fp32 tensor by the reference: exact only when lr is a power of two.
    The default dtype is set to float64 so the bias-correction scalars (torch.tensor(1.0) - b**step)
    are float64 too.
    """
    if fb_dir not in sys.path:
        sys.path.insert(0, fb_dir)
    import distributed_shampoo as ds
    start = h["start_preconditioning_step"]
    with default_dtype(F64):
        p = torch.nn.Parameter(param.clone())
        graft = None
        if h["grafting"] == "adam":
            graft = ds.AdamPreconditionerConfig(beta2=h["grafting_beta2"], epsilon=h["grafting_eps"])
        opt = ds.DistributedShampoo(
            [p], lr=h["lr"], betas=tuple(h["betas"]), epsilon=h["eps"], weight_decay=h["weight_decay"],
            weight_decay_type=ds.WeightDecayType.DECOUPLED, max_preconditioner_dim=8192,
            precondition_frequency=h["precondition_frequency"], start_preconditioning_step=start,
            use_bias_correction=h["use_bias_correction"], grafting_config=graft,
            distributed_config=ds.SingleDeviceDistributedConfig(target_parameter_dimensionality=2),
            preconditioner_config=ds.RootInvShampooPreconditionerConfig(
                factor_matrix_dtype=F64, inv_factor_matrix_dtype=F64),
        )
        return _drive(opt, p, grads)


def shampoo_pytopt(param, grads, h):
    from pytorch_optimizer import Shampoo
    p = torch.nn.Parameter(param.clone())
    opt = Shampoo([p], lr=h["lr"], momentum=0.0, weight_decay=h["weight_decay"],
                  weight_decouple=h["weight_decay_type"] == "decoupled",
                  preconditioning_compute_steps=h["precondition_frequency"], matrix_eps=h["matrix_eps"])
    return _drive(opt, p, grads)


# ------------------------------------------------------------------------------ SOAP
def soap_nikhilvyas(param, grads, h, soap_dir):
    mod = _load_module("soap_ref", f"{soap_dir}/soap.py")
    with default_dtype(F64):
        p = torch.nn.Parameter(param.clone())
        opt = mod.SOAP([p], lr=h["lr"], betas=tuple(h["betas"]), shampoo_beta=h["shampoo_beta"], eps=h["eps"],
                       weight_decay=h["weight_decay"], precondition_frequency=h["precondition_frequency"],
                       max_precond_dim=h["max_precond_dim"], merge_dims=False, precondition_1d=False,
                       normalize_grads=False, correct_bias=True)
        return _drive(opt, p, grads, no_float)


def soap_pytopt(param, grads, h):
    """pytorch-optimizer SOAP: same maths; its QR is forced to fp32 (not patched), so expect ~1e-7."""
    from pytorch_optimizer import SOAP
    p = torch.nn.Parameter(param.clone())
    opt = SOAP([p], lr=h["lr"], betas=tuple(h["betas"]),
               shampoo_beta=h["shampoo_beta"] if h["shampoo_beta"] >= 0 else None, eps=h["eps"],
               weight_decay=h["weight_decay"], precondition_frequency=h["precondition_frequency"],
               max_precondition_dim=h["max_precond_dim"], merge_dims=False, precondition_1d=False,
               correct_bias=True)
    return _drive(opt, p, grads)


# ------------------------------------------------------------------------------ Scion
def scion_lions(param, grads, h, scion_dir):
    assert h.get("weight_decay", 0.0) == 0.0, "the reference Scion has no weight decay"
    mod = _load_module("scion_ref", f"{scion_dir}/scion.py")
    p = torch.nn.Parameter(param.clone())
    norm = {"spectral": "Spectral", "sign": "Sign"}[h["norm"]]
    kw = {"normalized": h.get("normalized", True)}
    if norm == "Spectral":
        kw.update(max=h.get("max", False), steps=h["ns_steps"])
    opt = mod.Scion([p], lr=h["lr"], momentum=h["momentum"], norm=norm, norm_kwargs=kw, scale=h["scale"],
                    unconstrained=not h["constrained"])
    return _drive(opt, p, grads, no_bf16)


def scion_pytopt(param, grads, h):
    import pytorch_optimizer.optimizer.scion as ps
    from pytorch_optimizer.optimizer.utils.matrix import zero_power_via_newton_schulz_5
    p = torch.nn.Parameter(param.clone())
    norm_type = {"spectral": ps.LMONorm.SPECTRAL, "sign": ps.LMONorm.SIGN}[h["norm"]]
    kw = {"normalize": h.get("normalized", True)}
    if h["norm"] == "spectral":
        kw.update(max_scale=h.get("max", False), num_steps=h["ns_steps"])
    opt = ps.SCION([p], lr=h["lr"], momentum=h["momentum"], constraint=h["constrained"], norm_type=norm_type,
                   norm_kwargs=kw, scale=h["scale"], weight_decay=h.get("weight_decay", 0.0),
                   weight_decouple=True, foreach=False)
    ns64 = functools.partial(zero_power_via_newton_schulz_5, dtype=F64)
    return _drive(opt, p, grads, lambda: mock.patch.object(ps, "zero_power_via_newton_schulz_5", ns64))


# ------------------------------------------------------------------------------ PSGD
class _Recorder:
    def __init__(self):
        self.noise = []
        self.balance_steps = []
        self.update_steps = []
        self.step = 0


def psgd_kron_torch(param, grads, h, seed):
    """kron_torch 0.3.3 Kron in float64 (precond_dtype=float64, Tensor.float patched in its solves).

    Records every torch.randn_like draw, and the steps at which it balanced / updated Q.
    """
    import kron_torch.kron as kk
    rec = _Recorder()
    real_randn_like = torch.randn_like
    real_balance = kk._balance_Q
    real_update = kk._update_precond

    def randn_like(t, *a, **k):
        x = real_randn_like(t, *a, **k)
        rec.noise.append(x.clone())
        return x

    def balance(Q):
        rec.balance_steps.append(rec.step)
        return real_balance(Q)

    def update(*a, **k):
        rec.update_steps.append(rec.step)
        return real_update(*a, **k)

    torch.manual_seed(seed)
    p = torch.nn.Parameter(param.clone())
    opt = kk.Kron([p], lr=h["lr"], b1=h["momentum"], weight_decay=h["weight_decay"],
                  preconditioner_update_probability=h["precond_update_probability"],
                  max_size_triangular=h["max_size_triangular"], min_ndim_triangular=2, memory_save_mode=None,
                  momentum_into_precond_update=True, precond_lr=h["precond_lr"],
                  precond_init_scale=h["precond_init_scale"], merge_dims=True, precond_dtype=F64)
    out = []
    with mock.patch.object(torch, "randn_like", randn_like), mock.patch.object(kk, "_balance_Q", balance), \
            mock.patch.object(kk, "_update_precond", update), no_float(), \
            contextlib.redirect_stdout(None):
        for g in grads:
            rec.step += 1
            p.grad = g.clone()
            opt.step()
            out.append(p.detach().clone())
    return out, rec


def psgd_pytopt(param, grads, h, seed):
    """pytorch-optimizer 4.1.0 Kron (the class the paper's code uses), float64, fp32 solve patched out."""
    import pytorch_optimizer.optimizer.psgd as pp
    rec = _Recorder()
    real_randn_like = torch.randn_like
    real_balance = pp.balance_q
    real_update = pp.update_precondition

    def randn_like(t, *a, **k):
        x = real_randn_like(t, *a, **k)
        rec.noise.append(x.clone())
        return x

    def balance(Q):
        rec.balance_steps.append(rec.step)
        return real_balance(Q)

    def update(*a, **k):
        rec.update_steps.append(rec.step)
        return real_update(*a, **k)

    def solve_right64(x, a):
        return torch.linalg.solve_triangular(a, x.reshape(-1, x.size(-1)), upper=True, left=False).reshape_as(x)

    torch.manual_seed(seed)
    np.random.seed(seed)
    p = torch.nn.Parameter(param.clone())
    opt = pp.Kron([p], lr=h["lr"], momentum=h["momentum"], weight_decay=h["weight_decay"], weight_decouple=True,
                  pre_conditioner_update_probability=h["precond_update_probability"],
                  max_size_triangular=h["max_size_triangular"], min_ndim_triangular=2, memory_save_mode=None,
                  momentum_into_precondition_update=True, precondition_dtype=F64,
                  balance_prob=h["balance_prob"])
    for g in opt.param_groups:
        g["precondition_lr"] = h["precond_lr"]
        g["precondition_init_scale"] = h["precond_init_scale"]
    out = []
    with mock.patch.object(torch, "randn_like", randn_like), mock.patch.object(pp, "balance_q", balance), \
            mock.patch.object(pp, "update_precondition", update), \
            mock.patch.object(pp, "solve_triangular_right", solve_right64):
        for g in grads:
            rec.step += 1
            p.grad = g.clone()
            opt.step()
            out.append(p.detach().clone())
    return out, rec
