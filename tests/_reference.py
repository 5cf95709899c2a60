"""Independent reference values for the laws' transforms (no library numerics used).

``reference_stieltjes`` integrates ``law.pdf`` (the public density, evaluated
point by point) with scipy's adaptive ``quad_vec``, after the substitution
``lambda = lo + h sin^2(t/2)`` (removes square-root and inverse-square-root edge
singularities) and subtraction of the pole, ``rho(lambda) - rho(x)``, plus its
exact integral ``rho(x) log((z - lo)/(z - hi))``; breakpoints are graded
geometrically towards every ``Re z`` on the support.  Atoms are added exactly.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate


def reference_stieltjes(law, z, limit: int = 4000) -> np.ndarray:
    """E[1/(z - lambda)] for an array of z with Im z >= 0 (G(x + i0) on the axis)."""
    z = np.atleast_1d(np.asarray(z, dtype=complex))
    out = np.zeros(z.shape, dtype=complex)
    for loc, m in law.atoms().items():
        out += m / (z - loc)
    for lo, hi in law.support():
        h = hi - lo

        def tt(lam, lo=lo, h=h):
            return 2 * math.asin(math.sqrt(min(max((lam - lo) / h, 0.0), 1.0)))

        sub = (z.real > lo) & (z.real < hi) & (z.imag < h)
        rho0 = np.where(sub, law.pdf(np.where(sub, z.real, lo + h / 2)), 0.0)
        pts = set()
        for zi in z[sub]:
            d = [h * 10.0**-k for k in range(1, 13) if h * 10.0**-k > 1e-2 * zi.imag]
            pts |= {tt(zi.real)} | {tt(zi.real + s * e) for e in d for s in (-1, 1)}
        pts = sorted(p for p in pts if 0 < p < math.pi)

        def f(t, lo=lo, hi=hi, h=h, rho0=rho0):
            lam = lo + h * math.sin(t / 2) ** 2
            rho = float(law.pdf(lam)) if lo < lam < hi else 0.0
            with np.errstate(divide="ignore", invalid="ignore"):
                v = (rho - rho0) * (0.5 * h * math.sin(t)) / (z - lam)
            return np.where(z == lam, 0.0, v)

        val, _ = integrate.quad_vec(f, 0.0, math.pi, points=pts or None, limit=limit,
                                    epsabs=1e-14, epsrel=1e-11)  # fmt: skip
        out += val
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.log(z - lo) - np.log(z - hi)
        out += np.where(sub, rho0 * logs, 0.0)
    return out
