"""The OpenFisca side of the API benchmark: openfisca-core's own Web API (the app `openfisca
serve` runs) over the same 2.6.x rules as benchmarks/openfisca_wuhan.py, for gunicorn.

huiqi needs no factory here: bench_api.py runs the product itself, `huiqi serve --workers 2`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def openfisca_app() -> Any:
    from openfisca_web_api.app import create_app
    from openfisca_wuhan import build_tax_benefit_system

    return create_app(build_tax_benefit_system())
