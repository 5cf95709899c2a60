"""The report's sections, in order."""

from __future__ import annotations

from rmttheory.validation.sections.derived import DerivedSection
from rmttheory.validation.sections.dynamics import DynamicsSection, ScalingSection
from rmttheory.validation.sections.edge import EdgeSection
from rmttheory.validation.sections.features import FeaturesSection
from rmttheory.validation.sections.gram import GramSection
from rmttheory.validation.sections.hessians import HessianSection
from rmttheory.validation.sections.risks import RandomFeaturesSection, RidgeSection
from rmttheory.validation.sections.size_map import SizeMapSection
from rmttheory.validation.sections.spectra import EquivalenceSection, KernelSection

__all__ = ["SECTIONS", "SECONDS"]

SECTIONS = [
    GramSection(),
    HessianSection(),
    RidgeSection(),
    RandomFeaturesSection(),
    FeaturesSection(),
    EquivalenceSection(),
    DerivedSection(),
    KernelSection(),
    ScalingSection(),
    DynamicsSection(),
    SizeMapSection(),
    EdgeSection(),
]

#: measured wall time of each section on 2 idle cores (``rmttheory validate``, quick and
#: full; the progress bar's estimates, refreshed when the sections change; quick: 305 s in
#: all, ``python benchmarks/bench_loaded.py``, 2026-12-06)
SECONDS: dict[str, dict[str, float]] = {
    "gram": {"quick": 35.0, "full": 600.0},
    "hessians": {"quick": 78.0, "full": 1800.0},
    "ridge": {"quick": 2.0, "full": 30.0},
    "random_features": {"quick": 5.0, "full": 60.0},
    "features": {"quick": 77.0, "full": 1885.0},
    "equivalence": {"quick": 1.0, "full": 60.0},
    "derived": {"quick": 22.0, "full": 120.0},
    "kernels": {"quick": 12.0, "full": 60.0},
    "scaling": {"quick": 2.0, "full": 20.0},
    "dynamics": {"quick": 1.0, "full": 20.0},
    "size_map": {"quick": 31.0, "full": 585.0},
    "edge": {"quick": 36.0, "full": 2400.0},
}
