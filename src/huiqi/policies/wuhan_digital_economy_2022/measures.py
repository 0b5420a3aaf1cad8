"""Formulas of 武政规〔2022〕6号, one per money measure, by chapter of the text:

- measures_infrastructure: 一、推进数字新型基础设施建设 (1.3.x)
- measures_industry: 二、推动数字产业化升级 (2.x)
- measures_transformation: 三、促进产业数字化转型 (3.x)

Importing the chapters binds their formulas into FORMULAS (see formulas.measure).
"""

from __future__ import annotations

from . import measures_industry, measures_infrastructure, measures_transformation
from .formulas import FORMULAS

CHAPTERS = (measures_infrastructure, measures_industry, measures_transformation)

__all__ = ["CHAPTERS", "FORMULAS"]
