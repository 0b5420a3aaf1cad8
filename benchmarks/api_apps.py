"""The two web APIs the API benchmark loads, as app factories for their servers.

- huiqi: the platform app with the calculator's per-IP rate limit lifted (a load test comes
  from one address; production keeps the limit).
- OpenFisca: openfisca-core's own Web API (the app `openfisca serve` runs) over the same
  2.6.x rules as benchmarks/openfisca_wuhan.py.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def huiqi_app() -> Any:
    from huiqi.platform.app import create_app
    from huiqi.platform.settings import PlatformSettings

    settings = PlatformSettings(rate_per_second=1e9, burst=10**9)
    return create_app(os.environ["HUIQI_BENCH_DB"], settings=settings)


def openfisca_app() -> Any:
    from openfisca_web_api.app import create_app
    from openfisca_wuhan import build_tax_benefit_system

    return create_app(build_tax_benefit_system())
