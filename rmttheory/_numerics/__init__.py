"""Private numerics: polynomial roots, root continuation, support finding, Chebyshev
density models, Gaussian quadrature and closed forms.  Not a public API."""
