"""The platform fixtures (SQLite and PostgreSQL for every test that touches the database) and
a raw ASGI driver for attacks a test client would soften (bodies streamed chunk by chunk)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from huiqi.platform.settings import PlatformSettings
from huiqi.server import create_app
from tests.helpers.api import MakeApp
from tests.helpers.clock import demo_clock  # noqa: F401  (claims are taken in a round)
from tests.platform.conftest import (  # noqa: F401
    app,
    as_user,
    client,
    database_url,
    login,
    next_year_recorded,
    prefill_demo,
)


@pytest.fixture
def make_app(database_url: str) -> Iterator[MakeApp]:  # noqa: F811
    """create_app with settings changed for one test (demo data seeded)."""
    made: list[FastAPI] = []

    def make(**settings: Any) -> FastAPI:
        prefill_demo(database_url)
        application = create_app(
            database_url, seed_demo=True, settings=PlatformSettings(**settings)
        )
        made.append(application)
        return application

    yield make
    for application in made:
        application.state.engine.dispose()
