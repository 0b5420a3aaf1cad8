"""Import enterprises (and one year of figures) from CSV or Excel, all rows or none.

Headers may be the English field names or the Chinese column titles below. Amounts are in yuan
and accept Chinese forms ("500万元", "1.2亿") through the rules core's parser.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.enterprises.models import AnnualFigure, Enterprise
from huiqi.platform.enterprises.schemas import EnterpriseIn
from huiqi.platform.errors import ApiError, forbidden
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
    "统一社会信用代码",
    "企业名称",
    "所属区",
    "行业",
    "企业规模",
    "软件企业",
    "信用状态",
    "年度",
    "营业收入（元）",
    "研发投入（元）",
]
TEMPLATE_EXAMPLE = [
    "91420100MA4K5Q8U19",
    "武汉示例软件有限公司",
    "东湖新技术开发区",
    "软件和信息技术服务业",
    "small",
    "是",
    "normal",
    2023,
    "800万元",
    "130万元",
]


def _norm(row: dict[str, Any]) -> dict[str, Any]:
    return {HEADERS.get(str(k).strip(), str(k).strip()): v for k, v in row.items() if k is not None}


def _flag(v: Any, path: str) -> bool:
    t = str(v if v is not None else "").strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise InputError.single(path, "bool_type", f"应为 是/否，收到 {v!r}")


def import_file(
    db: Session, p: Principal, filename: str, content: bytes, max_rows: int = MAX_ROWS
) -> tuple[int, int]:
    if p.role != "admin":
        raise forbidden("只有管理员可以批量导入企业")
    # CSV in UTF-8 (with or without BOM) or GBK/GB18030, or .xlsx read as a stream; refused
    # at the first row past max_rows
    raw = read_records(filename, content, max_rows=max_rows)
    if not raw:
        raise ApiError(422, "empty", "文件中没有数据行", "file")
    errors: list[dict[str, str]] = []
    parsed: list[tuple[EnterpriseIn, int | None, int | None, int | None]] = []
    for i, r in enumerate(raw):
        row = _norm(r)
        base = f"rows[{i + 2}]"  # spreadsheet row number: header is row 1
        try:
            code = validate_credit_code(str(row.get("credit_code") or ""), f"{base}.credit_code")
            data = EnterpriseIn(
                credit_code=code,
                name=str(row.get("name") or "").strip(),
                district=str(row.get("district") or "").strip(),
                industry=str(row.get("industry") or "").strip(),
                size=str(row.get("size") or "small").strip(),  # type: ignore[arg-type]
                is_software=_flag(row.get("is_software"), f"{base}.is_software"),
                credit_status=str(row.get("credit_status") or "normal").strip(),  # type: ignore[arg-type]
            )
            year = int(str(row["year"]).strip()) if str(row.get("year") or "").strip() else None
            if year is not None and not 2000 <= year <= 2100:
                raise InputError.single(f"{base}.year", "range", "年度应在 2000–2100 之间")
            rev = rd = None
            if year is not None and str(row.get("revenue") or "").strip():
                rev = parse_amount(row["revenue"], f"{base}.revenue")
            if year is not None and str(row.get("rd_expense") or "").strip():
                rd = parse_amount(row["rd_expense"], f"{base}.rd_expense")
            parsed.append((data, year, rev, rd))
        except InputError as e:
            errors += [x.to_json() for x in e.errors]
        except ValidationError as e:
            for x in e.errors():
                field = ".".join(str(t) for t in x["loc"])
                errors.append(
                    {"path": f"{base}.{field}", "rule": x["type"], "message": "取值不合法或缺失"}
                )
        except ValueError:
            errors.append(
                {"path": f"{base}.year", "rule": "int_parsing", "message": "年度应为整数"}
            )
    if errors:
        err = ApiError(422, "import", "导入失败")
        err.errors = errors[:200]
        raise err
    created = updated = 0
    for data, year, rev, rd in parsed:
        ent = db.scalar(select(Enterprise).where(Enterprise.credit_code == data.credit_code))
        if ent is None:
            ent = Enterprise(**data.model_dump())
            db.add(ent)
            created += 1
        else:
            for k, v in data.model_dump().items():
                setattr(ent, k, v)
            updated += 1
        db.flush()
        if year is not None:
            fig = db.scalar(
                select(AnnualFigure).where(
                    AnnualFigure.enterprise_id == ent.id, AnnualFigure.year == year
                )
            )
            if fig is None:
                fig = AnnualFigure(enterprise_id=ent.id, year=year)
                db.add(fig)
            fig.revenue_fen, fig.rd_expense_fen = rev, rd
    record(
        db,
        p,
        "enterprise.import",
        "enterprise",
        "*",
        None,
        {"file": filename, "created": created, "updated": updated},
    )
    db.commit()
    return created, updated
