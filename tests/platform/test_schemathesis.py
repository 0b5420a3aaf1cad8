"""Property-based fuzzing of every operation in the OpenAPI spec: no input yields a 500.

Requests are made as the admin (the role that reaches the deepest code) against the real app and
database. The examples per operation are few so that the whole run stays well under two minutes.
(schemathesis' lazy pytest loader does not work with pytest 9, so the loop over operations is
written out; the cases and the check are schemathesis'.)
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

from tests.helpers.api import login

EXAMPLES = 6
SKIP = {("POST", "/api/v1/auth/logout")}  # would revoke the token the other operations use


@pytest.mark.slow
def test_no_server_errors(app: FastAPI, client: TestClient) -> None:
    # the open calculator is rate-limited; fuzzing must exercise it, not the limiter
    app.state.bucket.burst = 10**9
    app.state.bucket.rate = 10**9
    headers = login(client, "admin")
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    n_ops = 0
    for result in schema.get_all_operations():
        op = result.ok()
        if (op.method.upper(), op.path) in SKIP:
            continue
        n_ops += 1

        @given(case=op.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def fuzz(case) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            fuzz()
        except Exception as e:
            failures.append(f"{op.method.upper()} {op.path}: {type(e).__name__}: {str(e)[:1500]}")
    assert n_ops > 40
    assert not failures, "\n\n".join(failures)
