"""What the commands share: the --policy and --reading options, reading a case, and exiting 2
with the field path on bad input."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import click

from huiqi.policies import DEFAULT_POLICY_ID, load_policy
from huiqi.rules.errors import InputError
from huiqi.rules.policy import Policy


def fail_input(exc: InputError) -> NoReturn:
    click.echo("输入有误 (input error):", err=True)
    for e in exc.errors:
        click.echo(f"  {e.path}: {e.message} [{e.rule}]", err=True)
    sys.exit(2)


def read_case(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8-sig")
    except OSError as exc:
        fail_input(InputError.single(source, "file", f"无法读取文件：{exc.strerror}"))
    try:
        # parse_float=Decimal keeps 0.1 as 0.1: JSON numbers never pass through float
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        fail_input(
            InputError.single(
                "$", "json", f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}"
            )
        )


def policy_option(fn: Any) -> Any:
    return click.option(
        "--policy",
        "policy_id",
        default=DEFAULT_POLICY_ID,
        show_default=True,
        help="政策包编号（huiqi policy list 查看）。",
    )(fn)


def reading_option(fn: Any) -> Any:
    return click.option(
        "--reading",
        "readings",
        multiple=True,
        metavar="NAME=VALUE",
        help="按另一种读法测算（可重复），如 --reading window.annual_basis=fiscal_year；"
        "huiqi policy readings 列出全部读法。",
    )(fn)


def parse_readings(pairs: tuple[str, ...]) -> dict[str, str]:
    """`NAME=VALUE` pairs -> {name: value text}; the policy checks names and values."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            fail_input(
                InputError.single(
                    "--reading", "reading_format", f"应为 NAME=VALUE 形式，收到 {pair!r}"
                )
            )
        out[name.strip()] = value.strip()
    return out


def with_readings(raw: Any, pairs: tuple[str, ...]) -> Any:
    """The case with `--reading` options added to its own `readings` (the options win)."""
    if not pairs or not isinstance(raw, dict):
        return raw
    given = raw.get("readings")
    merged = {**(given if isinstance(given, dict) else {}), **parse_readings(pairs)}
    return {**raw, "readings": merged}


def policy_under_readings(policy: Policy, pairs: tuple[str, ...]) -> Policy:
    """A whole run (bulk screening) under other readings; bad names exit 2."""
    try:
        return policy.with_readings(parse_readings(pairs))
    except InputError as exc:
        fail_input(exc)


def get_policy(policy_id: str) -> Policy:
    try:
        return load_policy(policy_id)
    except KeyError as exc:
        fail_input(InputError.single("--policy", "unknown_policy", str(exc.args[0])))
