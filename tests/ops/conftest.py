"""Fixtures for the operations tests: the web fixtures (a platform app on a temp SQLite file
with the demo data, logged-in clients, a live uvicorn with the job worker) and the platform's
`database_url` (SQLite and a fresh PostgreSQL schema)."""

from tests.helpers.browser import browser  # noqa: F401  (fixture)
from tests.platform.conftest import database_url  # noqa: F401
from tests.web.conftest import app, client_for, live_server  # noqa: F401
