"""The study's six optimizers, built the way its training code builds them, for the speed baseline.

Source of the construction: `src/models/parametrizations.py::parametrize` of gvlassis/ant at
ba11291 (2025-09-17), the "np" parametrization (docs/optimizers.md §2). Every builder returns a *list* of
optimizer objects, as the study does (its train.py calls `.step()` / `.zero_grad()` on each in
turn), over the study's three parameter groups:

    input  = the token embedding `wte` (tied, so also the LM head)
    vector = every parameter with ndim < 2 or ndim > 3 (RMSNorm gains, per-head qk_scale)
    hidden = the 2-D matrices inside the blocks (q, k, v, o, up, down)

`k` is the study's coupled learning rate (its default: k_input = k_hidden = --k_input). Its CLI
defaults are momentum 0.9, beta2 0.95, eps 1e-8, weight_decay 0; there is no gradient clipping.

References and pins (docs/optimizers.md §3-§8):
    adamw    torch 2.13.0               torch.optim.AdamW(fused=True)
    muon     muon-optimizer 0.1.0       muon.SingleDeviceMuon (KellerJordan) + AdamW side group
    shampoo  facebookresearch/optimizers 35b201e1 (2025-08-11), not on PyPI: DistributedShampoo
    soap     pytorch-optimizer 4.1.0    pytorch_optimizer.SOAP
    scion    pytorch-optimizer 4.1.0    pytorch_optimizer.SCION
    psgd     pytorch-optimizer 4.1.0    pytorch_optimizer.Kron

Deviations from the study's code, all forced by the environment or the model size:
  * shampoo: use_merge_dims=False (the study leaves the default True). With
    max_preconditioner_dim 12288, merging turns every matrix with rows*cols <= 12288 into one
    vector with a single full-matrix preconditioner (e.g. tiny's 256x48 embedding: a 12288x12288
    factor, 600 MB and minutes per eigh). At the study's widths (d >= 768) no matrix is that
    small, so there every matrix keeps its two Kronecker factors; False reproduces that. 1-D
    gains are unaffected (full n x n factor either way). distributed_config=None and
    shampoo_pt2_compile_config=None are the study's single-device, uncompiled values.
  * shampoo: the study installed a fork (gvlassis/optimizers, "without picky pyproject.toml") at an
    unknown commit. Its call (AdamGraftingConfig, use_decoupled_weight_decay, distributed_config=None,
    DDPShampooConfig) only exists upstream up to 2025-08-11; 35b201e1 is the last such commit.
  * scion: the study used a fork (gvlassis/pytorch_optimizer, "Scion correction for learnable
    gains"); pytorch-optimizer 4.1.0 is the pinned stand-in. Its SCION batches same-shape
    Newton-Schulz calls (foreach, on by default), which the 2025 code did not have.
  * muon / shampoo README examples use momentum 0.95 (and shampoo eps 1e-10); the defaults here are
    the CLI defaults. Neither learning rates nor betas change the cost of a step.
"""

from __future__ import annotations

import os
import sys
from importlib import metadata

import numpy as np
import torch

NAMES = ["adamw", "muon", "shampoo", "soap", "scion", "psgd"]

# Learning rate k per optimizer when none is given: qscope's defaults
# (OptimizerFactory.defaultPeakLearningRate), so both sides run the same settings. Timing does not
# depend on it; it only has to keep the run finite.
DEFAULT_LR = {"adamw": 3e-3, "muon": 2e-2, "shampoo": 3e-3, "soap": 3e-3, "scion": 1e-2, "psgd": 1e-3}

# Steps between preconditioner refreshes (None: no amortised work).
REFRESH_EVERY = {"adamw": None, "muon": None, "shampoo": 20, "soap": 10, "scion": None, "psgd": None}

# Where DistributedShampoo comes from: a directory holding `distributed_shampoo/`.
SHAMPOO_COMMIT = "35b201e119a3acfc4575c970314ead19220f2912"


def param_groups(model) -> tuple[list, list, list]:
    """The study's (input, vector, hidden) split of an `olmo_ref.OLMo`, as in ant's "np" branch:

        input_params  = list(model.emb.parameters())
        vector_params = [p for p in model.parameters() if p.ndim < 2 or p.ndim > 3]
        hidden_params = [p for p in model.blocks.parameters() if p.ndim == 2]
    """
    input_params = [model.wte]
    vector_params = [p for p in model.parameters() if p.ndim < 2 or p.ndim > 3]
    hidden_params = [p for p in model.blocks.parameters() if p.ndim == 2]
    ids = [id(p) for p in input_params + vector_params + hidden_params]
    assert len(ids) == len(set(ids)) == len(list(model.parameters())), "groups must partition the parameters"
    return input_params, vector_params, hidden_params


def adamw(model, k, momentum=0.9, beta2=0.95, eps=1e-8, weight_decay=0.0, **_):
    """torch.optim.AdamW, two objects (input+vector at k_input, hidden at k_hidden), fused=True:

        AdamW(input+vector, lr=k, betas=(momentum, beta2), eps, weight_decay, fused=True)
        AdamW(hidden,       lr=k, betas=(momentum, beta2), eps, weight_decay, fused=True)
    """
    inp, vec, hid = param_groups(model)
    return [
        torch.optim.AdamW(inp + vec, lr=k, betas=(momentum, beta2), eps=eps, weight_decay=weight_decay, fused=True),
        torch.optim.AdamW(hid, lr=k, betas=(momentum, beta2), eps=eps, weight_decay=weight_decay, fused=True),
    ]


def muon(model, k, momentum=0.9, weight_decay=0.0, **_):
    """KellerJordan Muon on the hidden matrices, AdamW with FIXED settings on the rest:

        AdamW(input+vector, lr=3e-3, betas=(0.9, 0.95), eps=1e-6, weight_decay, fused=True)
        muon.SingleDeviceMuon(hidden, lr=k, momentum, weight_decay)

    SingleDeviceMuon: Nesterov, 5 Newton-Schulz steps (3.4445, -4.7750, 2.0315) in bfloat16 on a
    Frobenius-normalised input, update scaled by sqrt(max(1, rows/cols)).
    """
    import muon as kj  # PyPI muon-optimizer (not the omics package `muon`)

    inp, vec, hid = param_groups(model)
    return [
        torch.optim.AdamW(inp + vec, lr=3e-3, betas=(0.9, 0.95), eps=1e-6, weight_decay=weight_decay, fused=True),
        kj.SingleDeviceMuon(hid, lr=k, momentum=momentum, weight_decay=weight_decay),
    ]


def load_distributed_shampoo(src: str | None):
    """Imports `distributed_shampoo` from `src` (a checkout of facebookresearch/optimizers at
    SHAMPOO_COMMIT), or from $QSCOPE_SHAMPOO_SRC, or from an existing import path."""
    src = src or os.environ.get("QSCOPE_SHAMPOO_SRC")
    if src:
        if not os.path.isdir(os.path.join(src, "distributed_shampoo")):
            raise SystemExit(f"--shampoo-src {src}: no distributed_shampoo/ directory there")
        if src not in sys.path:
            sys.path.insert(0, src)
    try:
        import distributed_shampoo
    except ImportError:
        raise SystemExit(
            "shampoo needs facebookresearch/optimizers (not on PyPI). Check it out and pass its path:\n"
            "  git clone https://github.com/facebookresearch/optimizers /tmp/fb-optimizers\n"
            f"  git -C /tmp/fb-optimizers checkout {SHAMPOO_COMMIT[:8]}\n"
            "  ... --shampoo-src /tmp/fb-optimizers   (or export QSCOPE_SHAMPOO_SRC)") from None
    return distributed_shampoo


def shampoo(model, k, momentum=0.9, beta2=0.95, eps=1e-8, weight_decay=0.0, shampoo_src=None, **_):
    """Meta DistributedShampoo, two objects (input+vector, hidden), each:

        DistributedShampoo(params, lr=k, betas=(momentum, beta2), epsilon=eps, weight_decay,
            use_decoupled_weight_decay=True, grafting_config=AdamGraftingConfig(beta2, eps),
            distributed_config=None, shampoo_pt2_compile_config=None, precondition_frequency=20,
            max_preconditioner_dim=12288, start_preconditioning_step=-1 (-> 20),
            use_bias_correction=True, use_merge_dims=False  # the one deviation, see module doc
        )

    Preconditioner: the version's default RootInvShampooPreconditionerConfig (fp32 factors, eigh
    with perturbation, root 1/(2*order)). Steps 1-19 are Adam-grafting only; the first inverse
    roots are computed at step 20 and refreshed every 20 steps.
    """
    ds = load_distributed_shampoo(shampoo_src)
    inp, vec, hid = param_groups(model)

    def one(params):
        return ds.DistributedShampoo(
            params, lr=k, betas=(momentum, beta2), epsilon=eps, weight_decay=weight_decay,
            use_decoupled_weight_decay=True, grafting_config=ds.AdamGraftingConfig(beta2=beta2, epsilon=eps),
            distributed_config=None, shampoo_pt2_compile_config=None, precondition_frequency=20,
            max_preconditioner_dim=12288, start_preconditioning_step=-1, use_bias_correction=True,
            use_merge_dims=False)

    return [one(inp + vec), one(hid)]


def soap(model, k, momentum=0.9, beta2=0.95, eps=1e-8, weight_decay=0.0, **_):
    """pytorch_optimizer.SOAP, two objects (input+vector, hidden), each:

        SOAP(params, lr=k, betas=(momentum, beta2), eps, weight_decay, precondition_frequency=10,
             max_precondition_dim=12288, precondition_1d=False, correct_bias=True)

    shampoo_beta defaults to beta2; merge_dims False; 1-D params get plain Adam (no factor). The
    first step only initialises the eigenbases (no update); QR refresh every 10 steps.
    """
    from pytorch_optimizer import SOAP

    inp, vec, hid = param_groups(model)
    kw = dict(lr=k, betas=(momentum, beta2), eps=eps, weight_decay=weight_decay, precondition_frequency=10,
              max_precondition_dim=12288, precondition_1d=False, correct_bias=True)
    return [SOAP(inp + vec, **kw), SOAP(hid, **kw)]


def scion(model, k, momentum=0.9, weight_decay=0.0, **_):
    """pytorch_optimizer.SCION, unconstrained, three objects:

        SCION(input,  lr=1,    momentum=1-momentum, ..., constraint=False, norm_type=4, scale=1)  # Sign LMO: sign(d)/d_in
        SCION(vector, lr=3e-3, momentum=1-momentum, ..., constraint=False, norm_type=8, scale=1)  # no LMO: momentum SGD
        SCION(hidden, lr=k,    momentum=1-momentum, ..., constraint=False, norm_type=2, scale=1)  # Spectral: NS5 * sqrt(d_out/d_in)

    with weight_decay and weight_decouple=True. `momentum` here is SCION's weight on the new
    gradient (1 - the usual momentum). norm_type 8 is not an LMONorm, so the library falls back
    to the identity Norm (the study's choice for gains).
    """
    from pytorch_optimizer import SCION

    inp, vec, hid = param_groups(model)
    kw = dict(momentum=1 - momentum, weight_decay=weight_decay, weight_decouple=True, constraint=False, scale=1)
    return [
        SCION(inp, lr=1, norm_type=4, **kw),
        SCION(vec, lr=3e-3, norm_type=8, **kw),
        SCION(hid, lr=k, norm_type=2, **kw),
    ]


def psgd(model, k, momentum=0.9, weight_decay=0.0, psgd_schedule_step=0, **_):
    """pytorch_optimizer.Kron (PSGD Kron), two objects (input+vector, hidden), each:

        Kron(params, lr=k, momentum, weight_decay, weight_decouple=True, max_size_triangular=12288,
             min_ndim_triangular=2, memory_save_mode=None)

    Library defaults otherwise: preconditioner-update probability = clamp(exp(-0.001 (n - 500)),
    0.03, 1) (so every step for the first 500 steps, then every 1/p steps, down to every 34th),
    precondition_lr 0.1, init scale 1, fp32 preconditioner, balance with probability 0.01 on
    update steps (numpy's global RNG). Each object keeps its own schedule counter.

    psgd_schedule_step > 0 starts each object's step counter there, to time a later point of the
    schedule (e.g. 4000: p = 0.03). The study's runs start at 0.
    """
    from pytorch_optimizer import Kron

    inp, vec, hid = param_groups(model)
    kw = dict(lr=k, momentum=momentum, weight_decay=weight_decay, weight_decouple=True, max_size_triangular=12288,
              min_ndim_triangular=2, memory_save_mode=None)
    opts = [Kron(inp + vec, **kw), Kron(hid, **kw)]
    if psgd_schedule_step:
        for opt in opts:
            for group in opt.param_groups:
                group["step"] = psgd_schedule_step
    return opts


BUILDERS = {"adamw": adamw, "muon": muon, "shampoo": shampoo, "soap": soap, "scion": scion, "psgd": psgd}


def build(name: str, model, k: float | None = None, seed: int = 0, **hyper) -> list[torch.optim.Optimizer]:
    """The study's optimizer `name` for `model`, as a list of optimizer objects."""
    np.random.seed(seed)  # PSGD's balance coin
    return BUILDERS[name](model, DEFAULT_LR[name] if k is None else k, **hyper)


def reference(name: str, shampoo_src: str | None = None) -> str:
    """One line naming the implementation and its version."""
    def v(pkg):
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return "missing"

    return {
        "adamw": f"torch.optim.AdamW fused (torch {torch.__version__})",
        "muon": f"muon.SingleDeviceMuon (muon-optimizer {v('muon-optimizer')}) + torch AdamW",
        "shampoo": f"distributed_shampoo.DistributedShampoo (facebookresearch/optimizers {SHAMPOO_COMMIT[:8]}"
                   f"{', ' + shampoo_src if shampoo_src else ''})",
        "soap": f"pytorch_optimizer.SOAP (pytorch-optimizer {v('pytorch_optimizer')})",
        "scion": f"pytorch_optimizer.SCION (pytorch-optimizer {v('pytorch_optimizer')})",
        "psgd": f"pytorch_optimizer.Kron (pytorch-optimizer {v('pytorch_optimizer')})",
    }[name]


def _tensors(obj, seen: dict):
    """Every tensor reachable from obj through dicts, lists, tuples and plain objects' __dict__
    (DistributedShampoo keeps its Kronecker factors in dataclasses). `seen` maps id -> object and
    keeps every visited object alive, so a freed temporary cannot lend its id to a later one."""
    if id(obj) in seen:
        return
    seen[id(obj)] = obj
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _tensors(value, seen)
    elif isinstance(obj, (list, tuple, set)):
        for value in obj:
            yield from _tensors(value, seen)
    elif hasattr(obj, "__dict__") and not isinstance(obj, (type, torch.nn.Module)) and not callable(obj):
        yield from _tensors(vars(obj), seen)


def state_bytes(opts: list[torch.optim.Optimizer], model) -> int:
    """Bytes of optimizer state: every tensor reachable from each optimizer's `.state`, counted once
    per underlying storage (views share one), excluding the parameters and gradients themselves."""
    exclude = set()
    for p in model.parameters():
        exclude.add(p.untyped_storage().data_ptr())
        if p.grad is not None:
            exclude.add(p.grad.untyped_storage().data_ptr())
    storages: dict[int, int] = {}
    seen: dict = {}
    for opt in opts:
        for t in _tensors(dict(opt.state), seen):
            s = t.untyped_storage()
            ptr = s.data_ptr()
            if ptr in exclude:
                continue
            storages[ptr] = max(storages.get(ptr, 0), s.nbytes())
    return sum(storages.values())
