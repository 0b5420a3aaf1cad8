"""The import's column checks agree with the single-firm checks they stand in for."""

from __future__ import annotations

import random

from huiqi.platform.enterprises.import_check import (
    _amounts_fast,
    plain_valid_codes,
)
from huiqi.rules.credit_code import CHARSET, make_credit_code, validate_credit_code
from huiqi.rules.errors import InputError
from huiqi.rules.money import parse_amount, plain_fen


def _scalar_ok(text: str) -> bool:
    try:
        return validate_credit_code(text) == text
    except InputError:
        return False


def test_vectorised_code_check_matches_gb32100() -> None:
    rng = random.Random(7)
    texts = []
    for _ in range(20_000):
        code = make_credit_code("".join(rng.choice(CHARSET) for _ in range(17)))
        kind = rng.randrange(6)
        if kind == 1:  # a wrong check character
            code = code[:17] + rng.choice(CHARSET.replace(code[17], ""))
        elif kind == 2:  # a letter GB 32100 does not use, or lower case
            i = rng.randrange(18)
            code = code[:i] + rng.choice("IOSVZa") + code[i + 1 :]
        elif kind == 3:  # too short or too long
            code = code[: rng.randrange(18)] if rng.random() < 0.5 else code + "1"
        elif kind == 4:  # full-width, or a non-ASCII character in an 18-character text
            code = code[:5] + "Ａ" + code[6:] if rng.random() < 0.5 else "统" + code[1:]
        texts.append(code)
    fast = plain_valid_codes(texts)
    assert [bool(x) for x in fast] == [_scalar_ok(t) for t in texts]
    assert 0 < int(fast.sum()) < len(texts)
    assert not plain_valid_codes(["统一社会信用代码统一社会信用代码统一"]).any()
    assert list(plain_valid_codes([])) == []


def test_fast_amounts_equal_the_parser() -> None:
    samples = [
        "0", "7", "1234", "0123", "999999999", "1000000000", "9999999999999", "500万元",
        "500万", "1234元", "123456789万元", 0, 1234, 10**12, 10**13 - 1,
    ]  # fmt: skip
    for v in samples:
        assert plain_fen(v) == parse_amount(v, "x"), v
    # everything else is left to the parser (None): it words the errors
    others = ["", " 12", "1.5", "５００", "1234567890万元", "万元", "-5", "1e3", "12\n", "1万万"]
    for v in [*others, True, 1.0, 10**13]:
        assert plain_fen(v) is None, v
    # a column of text (a CSV's) goes through Arrow: the same answers
    text = [v for v in samples if isinstance(v, str)] + others
    assert _amounts_fast(text) == [plain_fen(v) for v in text]
    assert _amounts_fast([*text, 5]) == [plain_fen(v) for v in [*text, 5]]


def test_template_example_comes_from_the_policy_package() -> None:
    from pathlib import Path

    from huiqi.platform.enterprises import importer
    from huiqi.platform.policy import canonical_place, place_region

    code, name, district = importer.template_example()[:3]
    assert canonical_place(district) == district
    assert name.startswith(place_region().removesuffix("市"))
    assert validate_credit_code(code) == code
    # the platform's code names no place of its own
    source = Path(importer.__file__).read_text(encoding="utf-8")
    assert "武汉" not in source and "4201" not in source


def test_has_rows_answers_as_reading_would() -> None:
    import pytest

    from huiqi.platform.errors import ApiError
    from huiqi.platform.tabular import has_rows

    head = "统一社会信用代码,企业名称\n"
    for end in ("\n", "\r\n", "\r"):
        ok = (head + "91420100MA4K5Q8U19,x\n" * 50).replace("\n", end).encode()
        assert has_rows("a.csv", ok, max_rows=50)
        assert has_rows("a.csv", ok.rstrip(end.encode()), max_rows=50)  # no final line end
        with pytest.raises(ApiError) as caught:
            has_rows("a.csv", ok + b"91420100MA4K5Q8U19,x" + end.encode(), max_rows=50)
        assert caught.value.errors[0]["rule"] == "too_many_rows"
    assert not has_rows("a.csv", head.encode(), max_rows=50)
    assert not has_rows("a.csv", (head + " , \n,\n\n").encode(), max_rows=50)
    # a cell with line breaks: more lines than rows, so the rows are counted by reading
    quoted = head + '91420100MA4K5Q8U19,"多行\n名称"\n' * 50
    assert has_rows("a.csv", quoted.encode(), max_rows=50)
    with pytest.raises(ApiError):
        has_rows("a.csv", b"\x81\x20", max_rows=50)


def test_columns_hold_what_the_records_hold() -> None:
    import io

    from openpyxl import Workbook

    from huiqi.platform.tabular import iter_records, read_columns

    text = (
        "\ufeff统一社会信用代码,企业名称,,营业收入(元),企业名称\n"
        "A,甲,x,1,甲2\n"
        " , ,\n"  # blank: skipped, but still a row of the file
        "B,乙\n"  # short: the rest is missing
        "C,丙,y,3,丙2,extra\n"  # long: the extra cell has no title
    )
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for line in text.lstrip("\ufeff").splitlines():
        ws.append([c if c.strip() else None for c in line.split(",")])
    buf = io.BytesIO()
    wb.save(buf)
    aliases = {"营业收入（元）": "revenue"}
    for name, content in (("a.csv", text.encode()), ("a.xlsx", buf.getvalue())):
        records = list(iter_records(name, content, max_rows=10, aliases=aliases))
        table = read_columns(name, content, max_rows=10, aliases=aliases)
        assert table.rows == [2, 4, 5]
        assert set(table.columns) == {"统一社会信用代码", "企业名称", "revenue"}
        for i, record in enumerate(records):
            assert {k: table.columns[k][i] for k in table.columns} == {
                k: record.get(k) for k in table.columns
            }, (name, i)


def test_xlsx_rows_are_bounded_before_parsing() -> None:
    import io

    import pytest
    from openpyxl import Workbook

    from huiqi.platform.errors import ApiError
    from huiqi.platform.tabular import _xlsx_rows_at_most, has_rows
    from tests.helpers.xlsx_bomb import many_rows_xlsx

    def book(rows: list[list[object]]) -> bytes:
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        for r in rows:
            ws.append(r)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    fifty = book([["统一社会信用代码"], *[["91420100MA4K5Q8U19"]] * 50])
    assert _xlsx_rows_at_most(fifty, 51) and not _xlsx_rows_at_most(fifty, 50)
    assert has_rows("a.xlsx", fifty, max_rows=50)
    assert not has_rows("a.xlsx", book([["统一社会信用代码"]]), max_rows=50)
    with pytest.raises(ApiError) as caught:
        has_rows("a.xlsx", fifty, max_rows=49)
    assert caught.value.errors[0]["rule"] == "too_many_rows"
    # few row elements, one numbered far down: the rows between are read as blank ones
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"], ws["A2"], ws["A200000"] = "统一社会信用代码", "x", "y"
    buf = io.BytesIO()
    wb.save(buf)
    assert not _xlsx_rows_at_most(buf.getvalue(), 101)
    with pytest.raises(ApiError):
        has_rows("a.xlsx", buf.getvalue(), max_rows=100)
    assert not _xlsx_rows_at_most(many_rows_xlsx(300_000), 100_001)
    assert not _xlsx_rows_at_most(b"not a zip", 10)
