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

__all__ = ["SECTIONS"]

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
