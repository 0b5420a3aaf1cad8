"""Import enterprises (and one year of figures) from CSV or Excel, all rows or none.

Headers may be the English field names or the Chinese column titles below. Amounts are in yuan
and accept Chinese forms ("500万元", "1.2亿") through the rules core's parser.

The request stores the file and queues a job (kind `enterprise_import`); the job reads the
file once into columns, validates column by column (import_check: every error of every row,
at most 200 reported), then writes everything in one transaction (import_write: one batch into
a staging table, PostgreSQL `COPY`, then set-based updates and inserts of firms and figures).
Any error writes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.db import utcnow
from huiqi.platform.enterprises.import_check import Checked, validate
from huiqi.platform.enterprises.import_write import write_rows
from huiqi.platform.errors import ApiError, forbidden
from huiqi.platform.jobs import service as jobs
from huiqi.platform.jobs.kinds import JobKind, register
from huiqi.platform.jobs.models import Job
from huiqi.platform.jobs.runner import JobContext
from huiqi.platform.policy import place_names, place_region
from huiqi.platform.settings import POLICY_ID
from huiqi.platform.tabular import has_rows, read_columns
from huiqi.policies.districts import districts
from huiqi.rules.credit_code import make_credit_code

HEADERS = {
    "统一社会信用代码": "credit_code",
    "企业名称": "name",
    "所属区": "district",
    "行业": "industry",
    "企业规模": "size",
    "软件企业": "is_software",
    "信用状态": "credit_status",
    "成立日期": "registered_on",
    "年度": "year",
    "营业收入": "revenue",
    "营业收入（元）": "revenue",
    "研发投入": "rd_expense",
    "研发投入（元）": "rd_expense",
}
MAX_ROWS = 100_000


# The import template: the Chinese column titles people fill in, with one example row.
TEMPLATE_COLUMNS = [
    "统一社会信用代码", "企业名称", "所属区", "行业", "企业规模", "软件企业", "信用状态", "年度",
    "营业收入（元）", "研发投入（元）", "成立日期",
]  # fmt: skip


def template_example() -> list[Any]:
    """An example row that imports as it is, its place taken from the policy package: its
    first place, a firm named after its region, a credit code registered in the region's
    division (the city's GB/T 2260 code: its districts' first four digits, then 00)."""
    places = place_names()
    region = place_region()
    codes = [d.code for d in districts(POLICY_ID) if d.code and len(d.code) == 6]
    division = codes[0][:4] + "00" if codes else "000000"
    return [
        make_credit_code(f"91{division}MA4K5Q8U1"),
        f"{region.removesuffix('市')}示例软件有限公司" if places else "示例软件有限公司",
        places[0] if places else "示例区",
        "软件和信息技术服务业", "small", "是", "normal", 2023, "800万元", "130万元", "2020-01-05",
    ]  # fmt: skip


def write(db: Session, p: Principal, filename: str, cols: Checked) -> tuple[int, int]:
    """Insert new firms and update known ones, with their figures, in the caller's transaction."""
    created, updated = write_rows(db, cols, utcnow())
    record(
        db, p, "enterprise.import", "enterprise", "*", None,
        {"file": filename, "created": created, "updated": updated},
    )  # fmt: skip
    return created, updated


def read_and_validate(filename: str, content: bytes, max_rows: int = MAX_ROWS) -> Checked:
    # CSV in UTF-8 (with or without BOM) or GBK/GB18030, or .xlsx read as a stream; refused
    # at the first row past max_rows. Read once, into columns.
    table = read_columns(filename, content, max_rows=max_rows, aliases=HEADERS)
    if not table.n:
        raise ApiError(422, "empty", "文件中没有数据行", "file")
    cols, errors = validate(table.columns, table.rows)
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
    # File-level problems (encoding, format, too many rows, no rows) are answered at once; a
    # CSV short enough is only decoded, other files read as the job will (stopping past
    # max_rows), never validated here.
    if not has_rows(filename, content, max_rows=max_rows):
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
