"""The web fixtures (a platform app on a temp SQLite file with the demo data, logged-in clients)
for the operations tests of the pages."""

from tests.web.conftest import app, client_for  # noqa: F401
