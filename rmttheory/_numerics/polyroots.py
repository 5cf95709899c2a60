"""Vectorized closed-form roots of quadratics, cubics and quartics, with Newton polishing.

All functions act on arrays of complex coefficients (one polynomial per row) and
return every root, so that a caller can choose a branch by its own rule.  The
closed forms (stable quadratic formula, Cardano, Ferrari with the largest root of
the resolvent cubic) cost a few dozen vectorized operations per point; Newton
steps on the original coefficients (and, for real quartics, Bairstow steps on
the quadratic factors) restore full precision.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "quadratic_roots",
    "cubic_roots",
    "quartic_roots",
    "real_quartic_roots",
    "polish",
    "polyval_rows",
    "newton_rows",
    "one_root_in_disk",
]

_OMEGA = np.exp(2j * np.pi / 3)


def _csqrt_aligned(disc: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """sqrt(disc) with the sign making Re(conj(ref) * root) >= 0 (avoids cancellation)."""
    r = np.sqrt(disc)
    flip = (ref.real * r.real + ref.imag * r.imag) < 0
    return np.where(flip, -r, r)


def quadratic_roots(b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Roots of ``y**2 + b*y + c`` (monic), shape ``(..., 2)``."""
    sq = _csqrt_aligned(b * b - 4 * c, b)
    q = -(b + sq) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(q != 0, c / q, -b - q)
    return np.stack([q, r2], axis=-1)


def cubic_roots(b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Roots of ``y**3 + b*y**2 + c*y + d`` (monic), shape ``(..., 3)`` (Cardano)."""
    p = c - b * b / 3
    q = 2 * b**3 / 27 - b * c / 3 + d
    sq = _csqrt_aligned(q * q / 4 + p**3 / 27, -q)
    u3 = -q / 2 + sq
    u = u3 ** (1 / 3)  # principal cube root of a complex number
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(u != 0, -p / (3 * u), 0)
    shift = b / 3
    return np.stack(
        [u + v - shift, _OMEGA * u + v / _OMEGA - shift, u / _OMEGA + _OMEGA * v - shift],
        axis=-1,
    )


def quartic_roots(coeffs: np.ndarray) -> np.ndarray:
    """All roots of ``a*y**4 + b*y**3 + c*y**2 + d*y + e`` (``a != 0``), shape ``(N, 4)``.

    Ferrari's method: depress, take the largest-modulus root of the resolvent
    cubic, split into two quadratics.  Precision is restored by :func:`polish`.
    """
    a, b, c, d, e = (coeffs[:, k] for k in range(5))
    b, c, d, e = b / a, c / a, d / a, e / a
    p = c - 3 * b * b / 8
    q = d - b * c / 2 + b**3 / 8
    r = e - b * d / 4 + b * b * c / 16 - 3 * b**4 / 256
    # resolvent: m^3 + p m^2 + (p^2/4 - r) m - q^2/8 = 0
    ms = cubic_roots(p, p * p / 4 - r, -q * q / 8)
    m = np.take_along_axis(ms, np.argmax(np.abs(ms), axis=-1)[:, None], axis=-1)[:, 0]
    k = np.sqrt(2 * m)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(k != 0, q / (2 * k), 0)
    biq = k == 0  # q == 0 and m == 0: biquadratic y^4 + p y^2 + r
    r1 = quadratic_roots(-k, p / 2 + m + t)
    r2 = quadratic_roots(k, p / 2 + m - t)
    roots = np.concatenate([r1, r2], axis=-1)
    if np.any(biq):
        y2 = quadratic_roots(p[biq], r[biq])
        yy = np.sqrt(y2)
        roots[biq] = np.concatenate([yy, -yy], axis=-1)
    return roots - (b / 4)[:, None]


def polyval_rows(coeffs: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(p(x), p'(x), sum_k |a_k||x|^k) for each row's polynomial (highest degree first).

    ``x`` has shape ``(N, r)``: r points per polynomial.
    """
    deg = coeffs.shape[1] - 1
    p = np.broadcast_to(coeffs[:, :1], x.shape).astype(complex)
    dp = np.zeros_like(p)
    scale = np.broadcast_to(np.abs(coeffs[:, :1]), x.shape).astype(float)
    ax = np.abs(x)
    for k in range(1, deg + 1):
        dp = dp * x + p
        p = p * x + coeffs[:, k : k + 1]
        scale = scale * ax + np.abs(coeffs[:, k : k + 1])
    return p, dp, scale


def newton_rows(
    coeffs: np.ndarray, v: np.ndarray, steps: int = 8, rtol: float = 1e-13
) -> tuple[np.ndarray, np.ndarray]:
    """Newton steps on one point per row's polynomial (highest degree first), until every
    last step is at most ``rtol`` of its point or ``steps`` are taken.

    Returns the points and each one's last step; a point whose step is not finite (a
    vanishing derivative) stays where it is and reports an infinite step.
    """
    w = np.array(v, dtype=complex)
    step = np.full(w.shape, np.inf, dtype=complex)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(steps):
            p, dp, _ = polyval_rows(coeffs, w[:, None])
            step = p[:, 0] / dp[:, 0]
            step = np.where(np.isfinite(step), step, np.inf)
            w = np.where(np.isfinite(step), w - step, w)
            if np.all(np.abs(step) <= rtol * np.abs(w)):
                break
    return w, step


def one_root_in_disk(coeffs: np.ndarray, center: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """True where the disk ``|v - center| < radius`` provably holds exactly one root.

    Pellet's test (Rouche's theorem against the linear term): with :math:`b_k` the Taylor
    coefficients of each row's polynomial at ``center`` (repeated synthetic division),
    :math:`|b_1| r > \\sum_{k \\ne 1} |b_k| r^k` means exactly one root in the disk.
    Sufficient, not necessary: False also where a second root is merely near the disk.
    A margin of ``8 d`` rounding units of :math:`\\sum_k |b_k| r^k` covers the
    floating-point evaluation.  ``coeffs`` has shape ``(N, d + 1)`` (highest first);
    ``center`` and ``radius`` shape ``(N,)``.
    """
    d = coeffs.shape[1] - 1
    taylor = np.array(coeffs, dtype=complex)
    c = np.asarray(center, dtype=complex)
    for k in range(d):
        for j in range(1, d + 1 - k):
            taylor[:, j] += taylor[:, j - 1] * c
    terms = np.abs(taylor[:, ::-1]) * np.asarray(radius, dtype=float)[:, None] ** np.arange(d + 1)
    margin = 8 * d * np.finfo(float).eps * np.sum(terms, axis=1)
    rest = terms[:, 0] + np.sum(terms[:, 2:], axis=1) + margin
    return np.asarray(terms[:, 1] > rest) if d >= 1 else np.zeros(len(terms), dtype=bool)


def polish(coeffs: np.ndarray, roots: np.ndarray, steps: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Newton steps on every root, each accepted only if it lowers the residual.

    Returns the roots and their relative residuals ``|p(x)| / sum |a_k||x|^k``.
    """
    p, dp, scale = polyval_rows(coeffs, roots)
    res = np.abs(p) / np.where(scale > 0, scale, 1)
    for _ in range(steps):
        with np.errstate(divide="ignore", invalid="ignore"):
            cand = roots - p / dp
        ok = np.isfinite(cand)
        cand = np.where(ok, cand, roots)
        pc, dpc, sc = polyval_rows(coeffs, cand)
        rc = np.abs(pc) / np.where(sc > 0, sc, 1)
        better = rc < res
        roots = np.where(better, cand, roots)
        p, dp, res = np.where(better, pc, p), np.where(better, dpc, dp), np.where(better, rc, res)
    return roots, res


def _largest_real_cubic_root(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Largest real root of ``m**3 + p*m**2 + q*m + r`` (real coefficients)."""
    shift = p / 3
    pp = p * p
    P = q - pp / 3
    Q = (2 / 27) * pp * p - p * q / 3 + r
    disc = 0.25 * Q * Q + P * P * P / 27
    one = disc >= 0
    sq = np.sqrt(np.where(one, disc, 0.0))
    u = np.cbrt(-Q / 2 + np.where(Q <= 0, sq, -sq))
    with np.errstate(divide="ignore", invalid="ignore"):
        single = u - np.where(u != 0, P / (3 * u), 0.0)
        rho = np.sqrt(np.maximum(-P / 3, 0.0))
        arg = np.clip(np.where(rho > 0, -Q / (2 * rho * rho * rho), 0.0), -1.0, 1.0)
    three = 2 * rho * np.cos(np.arccos(arg) / 3)
    return np.where(one, single, three) - shift


def _real_quadratic(b: np.ndarray, c: np.ndarray, out: np.ndarray) -> None:
    """Roots of ``y**2 + b*y + c`` (real b, c) written into ``out[:, 0:2]`` (complex)."""
    disc = b * b - 4 * c
    real = disc >= 0
    sq = np.sqrt(np.abs(disc))
    q = -(b + np.where(b >= 0, sq, -sq)) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(q != 0, c / q, 0.0)
    out[:, 0].real = np.where(real, q, -b / 2)
    out[:, 0].imag = np.where(real, 0.0, sq / 2)
    out[:, 1].real = np.where(real, r2, -b / 2)
    out[:, 1].imag = np.where(real, 0.0, -sq / 2)


def real_quartic_roots(a, b, c, d, e) -> np.ndarray:
    """All roots of a quartic with real coefficients (``a != 0``), shape ``(N, 4)``.

    Ferrari in real arithmetic: the resolvent cubic of a real quartic has a
    non-negative real root, and both quadratic factors then have real
    coefficients, so only real square and cube roots are needed.  Columns
    (0, 1) and (2, 3) are each a real pair or a conjugate pair (+Im first).
    """
    b, c, d, e = b / a, c / a, d / a, e / a
    bb = b * b
    p = c - 3 * bb / 8
    q = d - b * c / 2 + bb * b / 8
    r = e - b * d / 4 + bb * c / 16 - 3 * bb * bb / 256
    m = _largest_real_cubic_root(p, p * p / 4 - r, -q * q / 8)
    m = np.maximum(m, 0.0)
    k = np.sqrt(2 * m)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(k > 0, q / (2 * k), 0.0)
    out = np.empty((np.size(a) if np.ndim(a) else len(b), 4), dtype=complex)
    # quadratic factors y^2 + beta y + gamma, mapped to u = y - b/4 and refined by
    # Bairstow: a near-double conjugate pair (tiny Im) is then resolved to full
    # precision, which Newton on single roots (linear near double roots) cannot do
    for cols, beta, gamma in ((slice(0, 2), -k, p / 2 + m + t), (slice(2, 4), k, p / 2 + m - t)):
        B = b / 2 + beta
        G = bb / 16 + beta * b / 4 + gamma
        with np.errstate(invalid="ignore", over="ignore"):
            B, G = _bairstow(b, c, d, e, B, G, steps=2)
        _real_quadratic(B, G, out[:, cols])
    biq = k == 0
    if np.any(biq):  # q == 0: y^4 + p y^2 + r, y^2 from a quadratic
        y2 = quadratic_roots(p[biq].astype(complex), r[biq].astype(complex))
        yy = np.sqrt(y2)
        y = np.stack([yy[:, 0], -yy[:, 0], yy[:, 1], -yy[:, 1]], axis=-1)
        out[biq] = y - (b[biq] / 4)[:, None]
    return out


def _bairstow(b, c, d, e, B, G, steps: int = 2):
    """Refine the factor u^2 + B u + G of the monic quartic u^4 + b u^3 + c u^2 + d u + e.

    Bairstow's iteration on (r, s) = (-B, -G) for the divisor u^2 - r u - s, each
    step accepted only where it lowers the remainder.
    """
    r, s = -B, -G

    def remainder(r, s):
        b1 = b + r
        b2 = c + r * b1 + s
        b3 = d + r * b2 + s * b1
        b4 = e + r * b3 + s * b2
        return b1, b2, b3, b4

    b1, b2, b3, b4 = remainder(r, s)
    res = np.abs(b3) + np.abs(b4)
    for _ in range(steps):
        c1 = b1 + r
        c2 = b2 + r * c1 + s
        c3 = b3 + r * c2 + s * c1
        det = c2 * c2 - c1 * c3
        with np.errstate(divide="ignore", invalid="ignore"):
            dr = (-b3 * c2 + b4 * c1) / det
            ds = (-b4 * c2 + b3 * c3) / det
        rn, sn = r + dr, s + ds
        nb = remainder(rn, sn)
        nres = np.abs(nb[2]) + np.abs(nb[3])
        ok = np.isfinite(nres) & (nres < res)
        r, s = np.where(ok, rn, r), np.where(ok, sn, s)
        b1, b2, b3, b4 = (np.where(ok, x, y) for x, y in zip(nb, (b1, b2, b3, b4)))
        res = np.where(ok, nres, res)
    return -r, -s


def deflate_largest_root(coeffs: np.ndarray, roots: np.ndarray) -> np.ndarray:
    """Recompute the three smaller roots of real quartics from the largest (real) one.

    For rows whose roots span many decades, Ferrari's shift by ``b/4`` costs the
    small roots their digits (a complex pair can come out real).  The largest root
    is accurate; dividing it out by *backward* deflation (stable for the largest
    root) leaves a cubic whose roots are all of the small scale, solved by Cardano.
    ``coeffs`` has shape (N, 5) (u^4 .. u^0), ``roots`` (N, 4) from
    :func:`real_quartic_roots`; returns roots in the same column convention
    (columns (0, 1) and (2, 3) real or conjugate pairs, +Im first), polished by
    Newton on the full quartic.
    """
    a, b, c, d, e = (coeffs[:, k].real for k in range(5))
    big = np.argmax(np.abs(roots), axis=1)
    r = roots[np.arange(len(roots)), big].real
    r, _ = polish(coeffs, r[:, None].astype(complex), steps=2)
    r = r[:, 0].real
    with np.errstate(divide="ignore", invalid="ignore"):
        q3 = -e / r
        q2 = (q3 - d) / r
        q1 = (q2 - c) / r
        q0 = (q1 - b) / r
        small = cubic_roots(*((q / q0).astype(complex) for q in (q1, q2, q3)))
    # the most nearly real cubic root pairs with r; the other two form (2, 3)
    im = np.abs(small.imag)
    k = np.argmin(im, axis=1)
    rows = np.arange(len(r))
    lone = small[rows, k].real
    rest = np.stack([small[rows, (k + 1) % 3], small[rows, (k + 2) % 3]], axis=1)
    pair_complex = np.abs(rest[:, 0].imag) > 0
    mean = rest.mean(axis=1)
    half_im = 0.5 * np.abs(rest[:, 0].imag - rest[:, 1].imag)
    top = np.where(pair_complex, mean.real + 1j * half_im, rest[:, 0].real)
    bot = np.where(pair_complex, mean.real - 1j * half_im, rest[:, 1].real)
    out = np.stack([r + 0j, lone + 0j, top, bot], axis=1)
    out, _ = polish(coeffs, out, steps=2)
    # Newton keeps real coefficients' symmetry only approximately: re-pair exactly
    pair = np.abs(out[:, 2].imag) > 0
    m2 = 0.5 * (out[:, 2] + np.conj(out[:, 3]))
    out[:, 2] = np.where(pair, m2, out[:, 2])
    out[:, 3] = np.where(pair, np.conj(m2), out[:, 3])
    ok = np.all(np.isfinite(out), axis=1)
    return np.where(ok[:, None], out, roots)
