"""The registry's credit-code division column, against characters 3–8 read one code at a time."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from huiqi.rules.credit_code import make_credit_code
from huiqi.screening.columns import RowProblems, credit_code_column, credit_division_column

CODES = [
    "91420106MA4KXXXX1X",  # Wuhan 武昌区
    "91420000MA4KXXXX1X",  # provincial registration
    "91110108MA4KXXXX1X",  # Beijing 海淀区
    "9142A106MA4KXXXX1X",  # a letter inside the division: unknown
    "91420/06MA4KXXXX1X",  # "/" is the byte just below "0": unknown, not a wrapped digit
    "91420:06MA4KXXXX1X",  # ":" just above "9"
    "914201",  # too short
    None,
    "",
    "91420117MA4KXXXX1XX",  # 19 characters
]


def by_hand(code: str | None) -> tuple[int, bool]:
    if code is None or len(code) != 18 or not code[2:8].isdigit():
        return 0, False
    return int(code[2:8]), True


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
@pytest.mark.parametrize("codes", [CODES, [c for c in CODES if c and len(c) == 18]])
def test_division_equals_reading_each_code(codes: list[str | None], kind: pa.DataType) -> None:
    arr = pa.array(codes, type=kind)
    for values in (arr, arr.slice(1), pa.chunked_array([arr.slice(0, 3), arr.slice(3)])):
        expected = [by_hand(c) for c in values.to_pylist()]
        division, known = credit_division_column(values)
        assert division.tolist() == [e[0] for e in expected]
        assert known.tolist() == [e[1] for e in expected]
        assert division.dtype == np.int64
        # the GB 32100 check returns the same division from the rows it has laid out
        problems = RowProblems(len(values))
        checked_division, checked_known = credit_code_column(values, problems)
        assert checked_division.tolist() == division.tolist()
        assert checked_known.tolist() == known.tolist()


def test_valid_codes_pass_the_check_and_give_their_division() -> None:
    codes = [make_credit_code(f"91{division}MA4K00001") for division in ("420106", "110108")]
    codes.append(make_credit_code("91420000MA4K00001"))
    problems = RowProblems(len(codes))
    division, known = credit_code_column(pa.array(codes), problems)
    assert not problems.bad.any()
    assert division.tolist() == [420106, 110108, 420000]
    assert known.all()
