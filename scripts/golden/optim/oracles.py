"""Float64 oracles for the optimizers of docs/optimizers.md §3-§8, one plain function per optimizer.

Each oracle takes the initial 2-D parameter, the list of gradients and a `hyper` dict (the golden
JSON's "hyper" block, same keys) and returns the parameter after every step. Everything is torch
float64 on CPU, written op-for-op in the order of the reference implementation so the rounding
matches it where that is possible. These are the executable spec that the Swift port follows;
optim_golden.py checks each one against the reference code it was written from.
"""
import math

import torch

F64 = torch.float64
NS_COEFFS = (3.4445, -4.7750, 2.0315)


# --------------------------------------------------------------------------------------------
# shared pieces
# --------------------------------------------------------------------------------------------

def newton_schulz5(g, steps=5, eps=1e-7, eps_mode="add"):
    """Quintic Newton-Schulz (KellerJordan), in float64.

    eps_mode "add":   X / (||X||_F + eps)            KellerJordan muon.py, LIONS-EPFL scion.py
    eps_mode "clamp": X / max(||X||_F, eps)          torch.optim.Muon, pytorch-optimizer
    The transpose happens BEFORE the normalisation when rows > cols (so X X^T is the small Gram).
    """
    a, b, c = NS_COEFFS
    x = g.clone()
    transposed = g.size(0) > g.size(1)
    if transposed:
        x = x.T
    nrm = x.norm()
    x = x / (nrm + eps) if eps_mode == "add" else x / nrm.clamp(min=eps)
    for _ in range(steps):
        A = x @ x.T
        B = b * A + c * (A @ A)
        x = a * x + B @ x
    return x.T if transposed else x


def sym_root_inv(A, root, eps):
    """Distributed-Shampoo root inverse (EigenConfig + PerturbationConfig(perturb_before_computation=True)).

    eigh(A + eps*I); if min(lambda) < eps: lambda = lambda - min(lambda) + eps; Q diag(lambda^(-1/root)) Q^T.
    Invariant to the eigenbasis choice inside degenerate eigenspaces (f(lambda) is constant there).
    """
    n = A.shape[0]
    lam, Q = torch.linalg.eigh(A + eps * torch.eye(n, dtype=A.dtype))
    lmin = lam.min().item()
    if lmin < eps:
        lam = lam + (-lmin)
        lam = lam + eps
    return Q * lam.pow(-1.0 / root).unsqueeze(0) @ Q.T


# --------------------------------------------------------------------------------------------
# AdamW (torch.optim.AdamW single-tensor path)
# --------------------------------------------------------------------------------------------

def adamw(param, grads, h):
    lr, wd, eps = h["lr"], h["weight_decay"], h["eps"]
    b1, b2 = h["betas"]
    p = param.clone()
    m = torch.zeros_like(p)
    v = torch.zeros_like(p)
    out = []
    for t, g in enumerate(grads, start=1):
        p = p * (1 - lr * wd)
        m = m + (1 - b1) * (g - m)
        v = b2 * v + (1 - b2) * g * g
        bc1 = 1 - b1 ** t
        bc2 = 1 - b2 ** t
        denom = v.sqrt() / math.sqrt(bc2) + eps
        p = p - (lr / bc1) * (m / denom)
        out.append(p.clone())
    return out


# --------------------------------------------------------------------------------------------
# Muon (KellerJordan muon_update / torch.optim.Muon)
# --------------------------------------------------------------------------------------------

def muon(param, grads, h):
    lr, wd, beta = h["lr"], h["weight_decay"], h["momentum"]
    rows, cols = param.shape
    if h["scaling"] == "keller":
        scale = max(1.0, rows / cols) ** 0.5
    elif h["scaling"] == "match_rms_adamw":
        scale = 0.2 * math.sqrt(max(rows, cols))
    else:
        raise ValueError(h["scaling"])
    p = param.clone()
    B = torch.zeros_like(p)
    out = []
    for g in grads:
        B = B + (1 - beta) * (g - B)                     # lerp(B, g, 1-beta)
        u = g + beta * (B - g) if h["nesterov"] else B   # lerp(g, B, beta)
        O = newton_schulz5(u, h["ns_steps"], h["ns_eps"], h["ns_eps_mode"])
        p = p * (1 - lr * wd)                            # decay with the UNadjusted lr
        p = p - (lr * scale) * O
        out.append(p.clone())
    return out


# --------------------------------------------------------------------------------------------
# Shampoo
# --------------------------------------------------------------------------------------------

def shampoo_distributed(param, grads, h):
    """facebookresearch DistributedShampoo, 2-D block (target_parameter_dimensionality=2), RootInv/eigh."""
    lr, wd = h["lr"], h["weight_decay"]
    b1, b2 = h["betas"]
    eps = h["eps"]
    f, start = h["precondition_frequency"], h["start_preconditioning_step"]
    if start == -1:
        start = f
    graft = h["grafting"] == "adam"
    gb2, geps = h.get("grafting_beta2"), h.get("grafting_eps")
    use_bc = h.get("use_bias_correction", True)
    assert h.get("weight_decay_type", "decoupled") == "decoupled"
    m, n = param.shape
    p = param.clone()
    L = torch.zeros(m, m, dtype=F64)
    R = torch.zeros(n, n, dtype=F64)
    Linv = torch.eye(m, dtype=F64)
    Rinv = torch.eye(n, dtype=F64)
    V = torch.zeros_like(p)
    M = torch.zeros_like(p)
    w = 1.0 if b2 == 1.0 else 1 - b2
    root = 4  # 2 * order, order = 2
    out = []
    for t, g in enumerate(grads, start=1):
        # 1. statistics (Shampoo factors, then the grafting second moment)
        if b2 != 1.0:
            L = L * b2
            R = R * b2
        L = L + w * (g @ g.T)
        R = R + w * (g.T @ g)
        bc2 = 1 - b2 ** t if (use_bc and b2 < 1.0) else 1.0
        if graft:
            V = V * gb2 + (1 - gb2) * g * g
            bc2g = 1 - gb2 ** t
        # 2. amortised root inverse on the bias-corrected factors
        if (t % f == 0 and t > start) or t == start:
            Linv = sym_root_inv(L / bc2, root, eps)
            Rinv = sym_root_inv(R / bc2, root, eps)
        # 3. filtered gradient (beta3 = beta1)
        if b1 != 0.0:
            M = M + (1 - b1) * (g - M)
            Mh = M / (1.0 - b1 * b1 ** (t - 1)) if use_bc else M
        else:
            Mh = g
        # 4. precondition + graft
        if graft:
            Pg = Mh / ((V / bc2g).sqrt() + geps)
        if t < start and graft:
            P = Pg
        else:
            P = Linv @ Mh @ Rinv
            if graft:
                P = P * (Pg.norm() / (P.norm() + 1e-16))
        # 5. decoupled weight decay folded into the direction, then the step
        if wd != 0.0:
            P = P + wd * p
        p = p - lr * P
        out.append(p.clone())
    return out


def shampoo_gupta(param, grads, h):
    """Gupta et al. 2018 as in pytorch_optimizer.Shampoo(momentum=0): L0 = eps*I, sums, L^-1/4 G R^-1/4.

    Inverse roots start at ZERO and are recomputed when step % frequency == 0 (pytorch-optimizer quirk:
    with frequency > 1 the steps before the first computation do not move the parameter).
    weight_decay_type "l2": G += wd * W before the statistics (pytorch-optimizer default weight_decouple=False).
    """
    lr, wd, meps, f = h["lr"], h["weight_decay"], h["matrix_eps"], h["precondition_frequency"]
    assert h.get("momentum", 0.0) == 0.0
    m, n = param.shape
    p = param.clone()
    L = meps * torch.eye(m, dtype=F64)
    R = meps * torch.eye(n, dtype=F64)
    Linv = torch.zeros(m, m, dtype=F64)
    Rinv = torch.zeros(n, n, dtype=F64)
    out = []
    for t, g in enumerate(grads, start=1):
        if wd != 0.0:
            if h.get("weight_decay_type", "l2") == "l2":
                g = g + wd * p
            else:
                p = p * (1 - lr * wd)
        L = L + g @ g.T
        R = R + g.T @ g
        if t % f == 0:
            Linv = psd_power(L, -1.0 / 4)
            Rinv = psd_power(R, -1.0 / 4)
        p = p - lr * (Linv @ g @ Rinv)
        out.append(p.clone())
    return out


def psd_power(A, power):
    lam, Q = torch.linalg.eigh(A)
    return Q * lam.pow(power).unsqueeze(0) @ Q.T


# --------------------------------------------------------------------------------------------
# SOAP (nikhilvyas/SOAP soap.py, 2024-12-02)
# --------------------------------------------------------------------------------------------

def soap(param, grads, h):
    lr, wd, eps = h["lr"], h["weight_decay"], h["eps"]
    b1, b2 = h["betas"]
    bs = h["shampoo_beta"] if h["shampoo_beta"] >= 0 else b2
    f = h["precondition_frequency"]
    maxd = h.get("max_precond_dim", 10000)
    correct_bias = h.get("correct_bias", True)
    assert not h.get("normalize_grads", False) and not h.get("merge_dims", False)
    p = param.clone()
    dims = list(p.shape)
    on = [d <= maxd for d in dims]          # which sides get a factor; the others stay identity
    GG = [torch.zeros(d, d, dtype=F64) if o else None for d, o in zip(dims, on)]
    Q = None
    m = torch.zeros_like(p)                 # kept in the ROTATED basis between steps
    v = torch.zeros_like(p)                 # rotated basis
    t = 0

    def outer(g, i):
        return g @ g.T if i == 0 else g.T @ g

    def project(x):                         # Q_L^T x Q_R
        if Q[0] is not None:
            x = Q[0].T @ x
        if Q[1] is not None:
            x = x @ Q[1]
        return x

    def project_back(x):                    # Q_L x Q_R^T
        if Q[0] is not None:
            x = Q[0] @ x
        if Q[1] is not None:
            x = x @ Q[1].T
        return x

    def eigh_desc(A):
        _, vecs = torch.linalg.eigh(A + 1e-30 * torch.eye(A.shape[0], dtype=F64))
        return torch.flip(vecs, [1])

    out = []
    for k, g in enumerate(grads):
        if k == 0:
            # first call: statistics + eigh, NO parameter update, step counter stays 0
            for i in range(2):
                if on[i]:
                    GG[i] = GG[i] + (1 - bs) * (outer(g, i) - GG[i])
            Q = [eigh_desc(GG[i]) if on[i] else None for i in range(2)]
            out.append(p.clone())
            continue
        gp = project(g)
        t += 1
        m = b1 * m + (1 - b1) * gp
        v = b2 * v + (1 - b2) * gp * gp
        denom = v.sqrt() + eps
        step_size = lr
        if correct_bias:
            step_size = lr * (1.0 - b2 ** t) ** 0.5 / (1.0 - b1 ** t)
        p = p - step_size * project_back(m / denom)
        if wd > 0.0:
            p = p + (-lr * wd) * p                 # decay AFTER the update, lr (not step_size)
        # update_preconditioner
        m = project_back(m)                        # m to the original basis
        for i in range(2):
            if on[i]:
                GG[i] = GG[i] + (1 - bs) * (outer(g, i) - GG[i])
        if t % f == 0:
            newQ = []
            for i in range(2):
                if not on[i]:
                    newQ.append(None)
                    continue
                o = Q[i]
                est = torch.diag(o.T @ GG[i] @ o)
                idx = torch.argsort(est, descending=True)
                v = v.index_select(i, idx)
                o = o[:, idx]
                q, _ = torch.linalg.qr(GG[i] @ o)
                newQ.append(q)
            Q = newQ
        m = project(m)                             # back to the (possibly new) rotated basis
        out.append(p.clone())
    return out


# --------------------------------------------------------------------------------------------
# Scion (LIONS-EPFL scion.py; pytorch-optimizer SCION for weight decay)
# --------------------------------------------------------------------------------------------

def scion(param, grads, h):
    lr, mu, scale = h["lr"], h["momentum"], h["scale"]
    wd = h.get("weight_decay", 0.0)
    constrained = h["constrained"]
    p = param.clone()
    d = torch.zeros_like(p)
    d_out, d_in = p.shape
    out = []
    for g in grads:
        if wd > 0.0 and not constrained:          # pytorch-optimizer only; ignored when constrained
            p = p * (1.0 - wd * lr)
        if mu != 1:
            d = d * (1 - mu) + mu * g
            u = d
        else:
            u = g
        if h["norm"] == "spectral":
            lmo = newton_schulz5(u, h["ns_steps"], h["ns_eps"], h["ns_eps_mode"])
            s = (d_out / d_in) ** 0.5 if h.get("normalized", True) else d_out ** 0.5
            if h.get("max", False):
                s = max(1, s)
            lmo = lmo * s
        elif h["norm"] == "sign":
            lmo = torch.sign(u)
            if h.get("normalized", True):
                lmo = (1 / d_in) * lmo
        else:
            raise ValueError(h["norm"])
        update = scale * lmo
        if constrained:
            p = p * (1 - lr)
        p = p - lr * update
        out.append(p.clone())
    return out


# --------------------------------------------------------------------------------------------
# PSGD Kron (kron_torch 0.3.3 and pytorch-optimizer 4.1.0 Kron)
# --------------------------------------------------------------------------------------------

def _kron_lb(A, max_abs):
    """kron_torch _lb: cheap lower bound of the spectral norm of symmetric A."""
    A = A / max_abs
    a0 = (A * A).sum(0)
    i = torch.argmax(a0)
    x = A[:, i]
    x = x @ A
    x = x / x.norm()
    x = A @ x
    return x.norm() * max_abs


def _pyopt_norm_lower_bound(a):
    """pytorch-optimizer norm_lower_bound (two-sided; for symmetric input the row branch is taken)."""
    max_abs = a.abs().max()
    tiny = torch.finfo(a.dtype).tiny
    a = a / torch.where(max_abs > 0, max_abs, torch.ones_like(max_abs))
    aa = a * a
    value0, i = torch.max(aa.sum(0), 0)
    value1, j = torch.max(aa.sum(1), 0)
    x0 = a[:, i] @ a
    bound0 = ((x0 / x0.norm().clamp_min(tiny)) @ a.T).norm()
    x1 = a @ a[j, :]
    bound1 = (a.T @ (x1 / x1.norm().clamp_min(tiny))).norm()
    return max_abs * torch.where(value0 > value1, bound0, bound1)


def psgd_kron(param, grads, h):
    """PSGD Kron for a 2-D parameter. h["variant"]: "kron_torch" (default) or "pytorch_optimizer".

    h["noise"]: the V drawn at each preconditioner update, in order. h["precond_update_steps"] and
    h["balance_steps"]: 1-based steps at which the preconditioner is updated / balanced.
    """
    variant = h.get("variant", "kron_torch")
    lr, wd, beta = h["lr"], h["weight_decay"], h["momentum"]
    plr = h["precond_lr"]
    m_, n_ = param.shape
    scale = h["precond_init_scale"] ** (1 / 2)
    tri = [d <= h["max_size_triangular"] and d != 1 for d in (m_, n_)]
    Qs = [scale * (torch.eye(d, dtype=F64) if tr else torch.ones(d, dtype=F64)) for d, tr in zip((m_, n_), tri)]
    noise = [torch.tensor(x, dtype=F64) for x in h["noise"]]
    upd = set(h["precond_update_steps"])
    bal = set(h["balance_steps"])
    tiny = h["tiny"]
    p = param.clone()
    mom = torch.zeros_like(p)
    k_noise = 0
    out = []

    def left(Q, X):      # Q acting on dim 0
        return Q @ X if Q.dim() == 2 else Q[:, None] * X

    def right_T(X, Q):   # X Q^T on dim 1
        return X @ Q.T if Q.dim() == 2 else X * Q[None, :]

    def solve_right(X, Q):   # X Q^{-1}
        if Q.dim() == 2:
            return torch.linalg.solve_triangular(Q, X, upper=True, left=False)
        return X / Q[None, :]

    for t, g in enumerate(grads, start=1):
        mom = mom * beta + (1 - beta) * g
        if variant == "kron_torch":
            mh = mom / (1 - beta ** t)
        else:
            mh = mom / (1.0 - math.pow(beta, t))
        if t in bal:
            norms = torch.stack([q.abs().max() for q in Qs])
            if variant == "kron_torch":
                gm = norms.log().mean().exp()
            else:
                gm = norms.prod() ** (1 / len(Qs))
            Qs = [q * (gm / nq) for q, nq in zip(Qs, norms)]
        if t in upd:
            V = noise[k_noise]
            k_noise += 1
            if variant == "kron_torch":
                # noise added IN PLACE to the debiased momentum: also what gets preconditioned below
                mh = mh + math.sqrt(h["noise_eps"]) * mh.abs().mean() * V
            A = right_T(left(Qs[0], mh), Qs[1])               # Q_L G Q_R^T
            # conjB = Q_L^{-T} V Q_R^{-1}, built exactly as the reference: V^T, solve Q_L, transpose, solve Q_R
            cb = V.T
            cb = solve_right(cb, Qs[0])
            cb = cb.T
            cb = solve_right(cb, Qs[1])
            newQ = []
            for i, q in enumerate(Qs):
                if q.dim() == 2:
                    T1 = A @ A.T if i == 0 else A.T @ A
                    T2 = cb @ cb.T if i == 0 else cb.T @ cb
                else:
                    T1 = (A * A).sum(1) if i == 0 else (A * A).sum(0)
                    T2 = (cb * cb).sum(1) if i == 0 else (cb * cb).sum(0)
                d, s = T1 - T2, T1 + T2
                d = d * plr
                if variant == "kron_torch":
                    nrm = s.abs().max()
                    if q.dim() < 2:
                        d = d * (q / nrm.clamp(min=tiny))
                    else:
                        d = torch.triu(d)
                        lb = _kron_lb(s, nrm) if nrm > 0 else nrm
                        d = d / lb.clamp(min=tiny)
                        d = d @ q
                else:
                    if q.dim() < 2:
                        d = d * q
                        d = d / (s.abs().max() + tiny)
                    else:
                        d = torch.triu(d)
                        d = d / (_pyopt_norm_lower_bound(s) + tiny)
                        d = d @ q
                newQ.append(q - d)
            Qs = newQ
        # P = (Q_L^T Q_L) mh (Q_R^T Q_R)
        PL = Qs[0].T @ Qs[0] if Qs[0].dim() == 2 else torch.diag(Qs[0] * Qs[0])
        PR = Qs[1].T @ Qs[1] if Qs[1].dim() == 2 else torch.diag(Qs[1] * Qs[1])
        P = PL @ mh @ PR
        rms = P.square().mean().sqrt()
        if variant == "kron_torch":
            P = P * torch.minimum(torch.tensor(1.0, dtype=F64), 1.1 / (rms + 1e-12))
        else:
            P = P * torch.clamp(1.1 / (rms + 1e-6), max=1.0)
        if wd != 0:
            P = P + wd * p
        p = p - lr * P
        out.append(p.clone())
    return out


ORACLES = {
    "adamw": adamw,
    "muon": muon,
    "soap": soap,
    "scion": scion,
    "psgd": psgd_kron,
}


def run(optimizer, param, grads, hyper):
    if optimizer == "shampoo":
        fn = shampoo_distributed if hyper["variant"] == "distributed" else shampoo_gupta
    else:
        fn = ORACLES[optimizer]
    return fn(param, grads, hyper)
