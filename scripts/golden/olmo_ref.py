"""Reference OLMo2-style byte-level transformer, the PyTorch twin of Sources/Core/Model.

This module is the executable spec shared by the golden-vector generator
(model_golden.py, float64, explicit maths) and the speed baseline
(scripts/bench/torch_baseline.py, float32, fused kernels). Both paths live in
one class so they cannot drift apart; model_golden.py --check asserts they agree.

Shapes use the docs/model.md §2.1 vocabulary: B batch, T sequence, C width, H heads,
G kv heads, D = C/H head dim, F = 4C MLP width, V = 256 vocab.

Parameters are raw nn.Parameters (no nn.Linear) so that named_parameters()
yields exactly the names the Swift side and the golden JSON use,
e.g. `blocks.0.attn.q` rather than `blocks.0.attn.q.weight`. Matrices keep the
PyTorch Linear layout (out, in) and there are no biases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class Config:
    vocab: int = 256
    width: int = 48
    layers: int = 2
    heads: int = 6
    kv_heads: int = 2
    rope_base: float = 1024.0
    norm_eps: float = 1e-6
    mlp_ratio: int = 4

    @property
    def head_dim(self) -> int:
        return self.width // self.heads

    def __post_init__(self) -> None:
        if self.width % self.heads or self.heads % self.kv_heads:
            raise ValueError("width must divide by heads, heads by kv_heads")
        if self.head_dim % 2:
            raise ValueError("RoPE rotates pairs, so the head dim must be even")


# The named sizes of `qscope` (all H=6, G=2, i.e. the paper's GQA ratio 3).
SIZES: dict[str, Config] = {
    "tiny": Config(width=48, layers=2),
    "xs": Config(width=96, layers=3),
    "s": Config(width=144, layers=4),
    "m": Config(width=288, layers=6),
    "l": Config(width=384, layers=12),
}


def rms_norm_ref(x: torch.Tensor, gain: torch.Tensor, eps: float) -> torch.Tensor:
    # eps sits inside the sqrt, matching F.rms_norm and the Swift kernel.
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * gain


def rope_tables(T: int, D: int, base: float, dtype, device=None):
    """cos/sin of shape (T, D/2). Angles are formed in float64 and only then
    cast, so the float32 path does not pick up extra error at long positions."""
    i = torch.arange(D // 2, dtype=torch.float64, device=device)
    theta = base ** (-2.0 * i / D)  # (D/2)
    t = torch.arange(T, dtype=torch.float64, device=device)
    angle = t[:, None] * theta[None, :]  # (T, D/2)
    return angle.cos().to(dtype), angle.sin().to(dtype)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate interleaved pairs (x[2i], x[2i+1]). x: (B, T, n, D); cos/sin: (T, D/2)."""
    B, T, n, D = x.shape
    pairs = x.view(B, T, n, D // 2, 2)
    x0, x1 = pairs[..., 0], pairs[..., 1]
    c = cos[None, :, None, :]
    s = sin[None, :, None, :]
    return torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1).view(B, T, n, D)


class RMSNorm(nn.Module):
    def __init__(self, C: int, eps: float):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(C))
        self.eps = eps

    def forward(self, x: torch.Tensor, fast: bool) -> torch.Tensor:
        if fast:
            return F.rms_norm(x, (x.shape[-1],), self.gain, self.eps)
        return rms_norm_ref(x, self.gain, self.eps)


class Attention(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        C, H, G, D = cfg.width, cfg.heads, cfg.kv_heads, cfg.head_dim
        self.H, self.G, self.D = H, G, D
        self.q = nn.Parameter(torch.empty(H * D, C))
        self.k = nn.Parameter(torch.empty(G * D, C))
        self.v = nn.Parameter(torch.empty(G * D, C))
        self.o = nn.Parameter(torch.empty(C, H * D))
        # Per-head softmax temperature: with unit-norm q and k the dot product is
        # a cosine in [-1, 1], so the scale alone sets how peaked attention can be.
        self.qk_scale = nn.Parameter(torch.full((H,), math.sqrt(D)))

    def forward(self, x, cos, sin, fast: bool):
        B, T, _ = x.shape
        H, G, D = self.H, self.G, self.D
        q = F.linear(x, self.q).view(B, T, H, D)
        k = F.linear(x, self.k).view(B, T, G, D)
        v = F.linear(x, self.v).view(B, T, G, D)
        q = apply_rope(q, cos, sin)
        k = apply_rope(k, cos, sin)
        # eps=1e-12 is a clamp on the norm (max(||x||, eps)), not added under a sqrt.
        qn = F.normalize(q, dim=-1, eps=1e-12)
        kn = F.normalize(k, dim=-1, eps=1e-12)
        if fast:
            a = self._core_sdpa(qn, kn, v)
        else:
            a = self._core_ref(qn, kn, v)
        return F.linear(a.reshape(B, T, H * D), self.o)

    def _core_ref(self, qn, kn, v):
        """Explicit attention, written to mirror the maths line by line."""
        B, T, H, D = qn.shape
        rep = H // self.G
        # head h reads kv group h // rep
        kn = kn.repeat_interleave(rep, dim=2)  # (B, T, H, D)
        v = v.repeat_interleave(rep, dim=2)
        s = torch.einsum("bihd,bjhd->bhij", qn, kn) * self.qk_scale[None, :, None, None]
        causal = torch.ones(T, T, dtype=torch.bool, device=qn.device).tril()
        s = s.masked_fill(~causal, float("-inf"))
        p = s.softmax(dim=-1)  # (B, H, T, T)
        return torch.einsum("bhij,bjhd->bihd", p, v)  # (B, T, H, D)

    def _core_sdpa(self, qn, kn, v):
        """Fused attention. SDPA's `scale` is one scalar for all heads, so the
        per-head qk_scale is folded into qn and SDPA runs with scale=1."""
        qs = (qn * self.qk_scale[None, None, :, None]).transpose(1, 2)  # (B, H, T, D)
        a = F.scaled_dot_product_attention(
            qs, kn.transpose(1, 2), v.transpose(1, 2),
            is_causal=True, scale=1.0, enable_gqa=True,
        )
        return a.transpose(1, 2)  # (B, T, H, D)


class MLP(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        C, Fw = cfg.width, cfg.mlp_ratio * cfg.width
        self.up = nn.Parameter(torch.empty(Fw, C))
        self.down = nn.Parameter(torch.empty(C, Fw))

    def forward(self, x):
        return F.linear(F.relu(F.linear(x, self.up)).square(), self.down)


class Block(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.attn = Attention(cfg)
        self.attn_norm = RMSNorm(cfg.width, cfg.norm_eps)
        self.mlp = MLP(cfg)
        self.mlp_norm = RMSNorm(cfg.width, cfg.norm_eps)

    def forward(self, x, cos, sin, fast: bool):
        # OLMo2 ordering: the norm sits on the sub-layer output, not its input.
        x = x + self.attn_norm(self.attn(x, cos, sin, fast), fast)
        return x + self.mlp_norm(self.mlp(x), fast)


class OLMo(nn.Module):
    """tokens (B, T) int64 -> logits (B, T, V). `fast=False` is the reference
    maths used for golden vectors; `fast=True` uses SDPA and F.rms_norm."""

    def __init__(self, cfg: Config, fast: bool = False):
        super().__init__()
        self.cfg = cfg
        self.fast = fast
        self.wte = nn.Parameter(torch.empty(cfg.vocab, cfg.width))  # also the head (tied)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.norm = RMSNorm(cfg.width, cfg.norm_eps)
        self._rope_cache: dict = {}

    def _rope(self, T, dtype, device):
        key = (T, dtype, device)
        if key not in self._rope_cache:
            self._rope_cache[key] = rope_tables(T, self.cfg.head_dim, self.cfg.rope_base, dtype, device)
        return self._rope_cache[key]

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.wte[tokens]  # (B, T, C)
        cos, sin = self._rope(tokens.shape[1], x.dtype, x.device)
        for block in self.blocks:
            x = block(x, cos, sin, self.fast)
        x = self.norm(x, self.fast)
        return F.linear(x, self.wte)  # (B, T, V)

    def loss(self, tokens: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        logits = self(tokens)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))

    @torch.no_grad()
    def init_baseline(self, generator: torch.Generator | None = None) -> "OLMo":
        """The study's init: N(0, 0.02) for the embedding and every matrix,
        gains 1, qk_scale sqrt(D)."""
        for name, p in self.named_parameters():
            if p.ndim == 2:
                p.normal_(0.0, 0.02, generator=generator)
            elif name.endswith("qk_scale"):
                p.fill_(math.sqrt(self.cfg.head_dim))
            else:
                p.fill_(1.0)
        return self

    def num_params(self) -> int:
        # wte is counted once: the head shares it.
        return sum(p.numel() for p in self.parameters())
