"""The demo (first start of `huiqi serve`) has one 揭榜挂帅 batch with two open tasks, published
through the board's service."""

from __future__ import annotations

from fastapi.testclient import TestClient

from huiqi.platform.audit.service import verify_database
from huiqi.platform.demo import seed_applications
from huiqi.server import create_app


def test_demo_board(database_url: str) -> None:
    app = create_app(database_url, seed_demo=True)
    with TestClient(app) as client:
        assert client.get("/api/v1/challenges/board").json()["batches"] == []  # tests start empty
        with app.state.sessionmaker() as db:
            assert seed_applications(db) is True
        board = client.get("/api/v1/challenges/board").json()
        [batch] = board["batches"]
        assert [(t["field"], t["open"], t["results"]) for t in batch["tasks"]] == [
            ("工业互联网", True, []),
            ("大数据", True, []),
        ]
    assert verify_database(database_url) == 0
    app.state.engine.dispose()
