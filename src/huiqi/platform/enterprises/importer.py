"""Import enterprises (and one year of figures) from CSV or Excel, all rows or none.

Headers may be the English field names or the Chinese column titles below. Amounts are in yuan
and accept Chinese forms ("500万元", "1.2亿") through the rules core's parser.

The request stores the file and queues a job (kind `enterprise_import`); the job validates
column by column (every error of every row, at most 200 reported), then writes everything in
one transaction: existing firms are updated and new ones inserted in batches (PostgreSQL:
`COPY`), figures likewise. Any error writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.bulk_insert import insert_columns, is_postgres, reserve_ids
from huiqi.platform.db import utcnow
from huiqi.platform.enterprises.models import AnnualFigure, Enterprise
from huiqi.platform.errors import ApiError, forbidden
from huiqi.platform.jobs import service as jobs
from huiqi.platform.jobs.kinds import JobKind, register
from huiqi.platform.jobs.models import Job
from huiqi.platform.jobs.runner import JobContext
from huiqi.platform.tabular import read_records
from huiqi.rules.credit_code import validate_credit_code
from huiqi.rules.errors import InputError
from huiqi.rules.money import parse_amount

HEADERS = {
    "统一社会信用代码": "credit_code",
    "企业名称": "name",
    "所属区": "district",
    "行业": "industry",
    "企业规模": "size",
    "软件企业": "is_software",
    "信用状态": "credit_status",
    "年度": "year",
    "营业收入": "revenue",
    "营业收入（元）": "revenue",
    "研发投入": "rd_expense",
    "研发投入（元）": "rd_expense",
}
_TRUE = {"1", "true", "是", "yes", "y", "t"}
_FALSE = {"", "0", "false", "否", "no", "n", "f"}
MAX_ROWS = 100_000


# The import template: the Chinese column titles people fill in, with one example row.
TEMPLATE_COLUMNS = [
    "统一社会信用代码", "企业名称", "所属区", "行业", "企业规模", "软件企业", "信用状态", "年度",
    "营业收入（元）", "研发投入（元）",
]  # fmt: skip
TEMPLATE_EXAMPLE = [
    "91420100MA4K5Q8U19", "武汉示例软件有限公司", "东湖新技术开发区", "软件和信息技术服务业",
    "small", "是", "normal", 2023, "800万元", "130万元",
]  # fmt: skip


def _flag(v: Any, path: str) -> bool:
    t = str(v if v is not None else "").strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise InputError.single(path, "bool_type", f"应为 是/否，收到 {v!r}")


_SIZES = {
    "large": "large", "medium": "medium", "small": "small", "micro": "micro",
    "大型": "large", "中型": "medium", "小型": "small", "微型": "micro",
}  # fmt: skip
_CREDIT = {
    "normal": "normal", "正常": "normal", "serious_discredit": "serious_discredit",
    "严重失信": "serious_discredit",
}  # fmt: skip
FIELDS = ("credit_code", "name", "district", "industry", "size", "is_software", "credit_status")


@dataclass
class Columns:
    """Validated values, one list per column, row i in position i."""

    values: dict[str, list[Any]] = field(default_factory=dict)
    year: list[int | None] = field(default_factory=list)
    revenue: list[int | None] = field(default_factory=list)
    rd_expense: list[int | None] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.year)


def _text(v: Any) -> str:
    return str(v).strip() if v is not None else ""


def validate(raw: list[dict[str, Any]]) -> tuple[Columns, list[dict[str, str]]]:
    """Check every column of every row; (columns, errors). Row numbers are spreadsheet rows
    (the header is row 1)."""
    keys = {HEADERS.get(str(k).strip(), str(k).strip()): k for k in raw[0] if k is not None}
    col = {name: [r.get(k) for r in raw] for name, k in keys.items()}
    n = len(raw)
    errors: list[dict[str, str]] = []

    def err(i: int, name: str, rule: str, message: str) -> None:
        errors.append({"path": f"rows[{i + 2}].{name}", "rule": rule, "message": message})

    out = Columns()
    codes = []
    seen: dict[str, int] = {}
    for i, v in enumerate(col.get("credit_code", [None] * n)):
        try:
            code = validate_credit_code(_text(v), f"rows[{i + 2}].credit_code")
        except InputError as e:
            errors += [x.to_json() for x in e.errors]
            code = ""
        if code and code in seen:
            err(i, "credit_code", "duplicate", f"与第 {seen[code] + 2} 行的统一社会信用代码重复")
        seen.setdefault(code, i)
        codes.append(code)
    out.values["credit_code"] = codes
    for name, limit, required in (
        ("name", 200, True),
        ("district", 64, True),
        ("industry", 64, False),
    ):
        values = [_text(v) for v in col.get(name, [None] * n)]
        for i, t in enumerate(values):
            if required and not t:
                err(i, name, "missing", "必填，不能为空")
            elif len(t) > limit:
                err(i, name, "string_too_long", f"不能超过 {limit} 个字")
        out.values[name] = values
    for name, allowed, default in (("size", _SIZES, "small"), ("credit_status", _CREDIT, "normal")):
        values = []
        for i, v in enumerate(col.get(name, [None] * n)):
            t = _text(v)
            if t and t.lower() not in allowed and t not in allowed:
                err(i, name, "literal_error", f"取值应为 {'、'.join(allowed)} 之一，收到 {t!r}")
            values.append(allowed.get(t.lower(), allowed.get(t, default)) if t else default)
        out.values[name] = values
    flags = []
    for i, v in enumerate(col.get("is_software", [None] * n)):
        try:
            flags.append(_flag(v, f"rows[{i + 2}].is_software"))
        except InputError as e:
            errors += [x.to_json() for x in e.errors]
            flags.append(False)
    out.values["is_software"] = flags
    for i, v in enumerate(col.get("year", [None] * n)):
        t = _text(v)
        year = None
        if t:
            if not t.isdigit():
                err(i, "year", "int_parsing", "年度应为整数")
            elif not 2000 <= int(t) <= 2100:
                err(i, "year", "range", "年度应在 2000–2100 之间")
            else:
                year = int(t)
        out.year.append(year)
    for name in ("revenue", "rd_expense"):
        amounts: list[int | None] = getattr(out, name)
        for i, v in enumerate(col.get(name, [None] * n)):
            amount = None
            if out.year[i] is not None and _text(v):
                try:
                    amount = parse_amount(v, f"rows[{i + 2}].{name}")
                except InputError as e:
                    errors += [x.to_json() for x in e.errors]
            amounts.append(amount)
    return out, errors


def _ids_by_code(db: Session, codes: list[str]) -> dict[str, int]:
    if is_postgres(db):  # one query with the codes as one array parameter
        query = text("SELECT credit_code, id FROM enterprises WHERE credit_code = ANY(:codes)")
        return {code: eid for code, eid in db.execute(query, {"codes": codes})}
    found: dict[str, int] = {}
    for i in range(0, len(codes), 5000):
        part = codes[i : i + 5000]
        found.update(
            (code, eid)
            for eid, code in db.execute(
                select(Enterprise.id, Enterprise.credit_code).where(
                    Enterprise.credit_code.in_(part)
                )
            )
        )
    return found


def write(db: Session, p: Principal, filename: str, cols: Columns) -> tuple[int, int]:
    """Insert new firms and update known ones, with their figures, in the caller's transaction."""
    now = utcnow()
    v = cols.values
    codes = v["credit_code"]
    known = _ids_by_code(db, codes)
    new = [i for i in range(cols.n) if codes[i] not in known]
    old = [i for i in range(cols.n) if codes[i] in known]
    if new:
        ids = reserve_ids(db, Enterprise.__table__, len(new))
        everyone = len(new) == cols.n
        columns: dict[str, Sequence[Any]] = {
            "id": ids,
            **{f: v[f] if everyone else [v[f][i] for i in new] for f in FIELDS},
            "extra": [{}] * len(new),
            "created_at": [now] * len(new),
            "updated_at": [now] * len(new),
        }
        insert_columns(db, Enterprise.__table__, columns)
        known.update(zip((codes[i] for i in new), ids, strict=True))
    if old:
        db.execute(
            update(Enterprise),
            [
                {"id": known[codes[i]], **{f: v[f][i] for f in FIELDS}, "updated_at": now}
                for i in old
            ],
        )
    with_year = [i for i in range(cols.n) if cols.year[i] is not None]
    have: dict[tuple[int, int], int] = {}
    old_ids = [known[codes[i]] for i in old]
    for k in range(0, len(old_ids), 5000):
        have.update(
            ((eid, year), fid)
            for fid, eid, year in db.execute(
                select(AnnualFigure.id, AnnualFigure.enterprise_id, AnnualFigure.year).where(
                    AnnualFigure.enterprise_id.in_(old_ids[k : k + 5000])
                )
            )
        )
    fig_new: list[int] = []
    fig_upd: list[dict[str, Any]] = []
    fig_eid: list[int] = []
    for i in with_year:
        eid, year = known[codes[i]], cols.year[i]
        assert year is not None
        if (eid, year) in have:
            values = {"revenue_fen": cols.revenue[i], "rd_expense_fen": cols.rd_expense[i]}
            fig_upd.append({"id": have[(eid, year)], **values})
        else:
            fig_new.append(i)
            fig_eid.append(eid)
    insert_columns(
        db,
        AnnualFigure.__table__,
        {
            "enterprise_id": fig_eid,
            "year": [cols.year[i] for i in fig_new],
            "revenue_fen": [cols.revenue[i] for i in fig_new],
            "rd_expense_fen": [cols.rd_expense[i] for i in fig_new],
            "extra": [{}] * len(fig_new),
        },
    )
    if fig_upd:
        db.execute(update(AnnualFigure), fig_upd)
    created, updated = len(new), len(old)
    record(
        db, p, "enterprise.import", "enterprise", "*", None,
        {"file": filename, "created": created, "updated": updated},
    )  # fmt: skip
    return created, updated


def read_and_validate(filename: str, content: bytes, max_rows: int = MAX_ROWS) -> Columns:
    # CSV in UTF-8 (with or without BOM) or GBK/GB18030, or .xlsx read as a stream; refused
    # at the first row past max_rows
    raw = read_records(filename, content, max_rows=max_rows)
    if not raw:
        raise ApiError(422, "empty", "文件中没有数据行", "file")
    cols, errors = validate(raw)
    if errors:
        err = ApiError(422, "import", "导入失败")
        err.errors = errors[:200]
        raise err
    return cols


def start_import(
    db: Session, p: Principal, filename: str, content: bytes, max_rows: int = MAX_ROWS
) -> Job:
    """Queue the import as a background job (the request only stores the file)."""
    if p.role != "admin":
        raise forbidden("只有管理员可以批量导入企业")
    # File-level problems (encoding, format, too many rows, no rows) are answered at once; the
    # reading streams and stops past max_rows, so this costs one pass, not the validation.
    if not read_records(filename, content, max_rows=max_rows):
        raise ApiError(422, "empty", "文件中没有数据行", "file")
    job = jobs.enqueue(
        db, p, "enterprise_import", f"企业导入：{filename}",
        {"filename": filename, "max_rows": max_rows},
        [jobs.NewFile("input", filename, "application/octet-stream", content)],
        max_attempts=2,
    )  # fmt: skip
    db.commit()
    return job


def run_job(ctx: JobContext) -> None:
    filename, content = ctx.input()
    ctx.progress(0, None, "正在读取并逐列校验")
    cols = read_and_validate(filename, content, int(ctx.params.get("max_rows", MAX_ROWS)))
    ctx.progress(0, cols.n, f"校验通过，正在写入 {cols.n:,} 行")
    with ctx.write() as db:
        job = ctx.own(db)
        p = ctx.principal(db)
        if p.role != "admin":
            raise forbidden("只有管理员可以批量导入企业")
        created, updated = write(db, p, filename, cols)
        ctx.finish(
            db, job, {"created": created, "updated": updated, "rows": cols.n},
            f"导入完成：新增 {created:,} 家，更新 {updated:,} 家",
        )  # fmt: skip
        db.commit()


register(JobKind("enterprise_import", "企业导入", run_job))
