"""Bulk screening for the analyst page: upload -> background job -> progress -> download.

The upload is stored with a queued job (kind `screening`); a job worker runs the core's
`screen_table` batch by batch (the same formulas as `huiqi screen`), reporting progress between
batches, and stores the results (CSV, Parquet, error rows) with the job. Everything is in the
database, so any web worker shows any job, and a restart loses nothing. The worker's working
files live in the job's temporary directory, removed when the job ends.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from huiqi.cells import csv_row
from huiqi.platform.auth.service import Principal
from huiqi.platform.errors import ApiError
from huiqi.platform.jobs import service as jobs
from huiqi.platform.jobs.kinds import JobKind, register
from huiqi.platform.jobs.models import Job
from huiqi.platform.jobs.runner import JobContext
from huiqi.platform.jobs.schemas import ScreeningForm, job_out
from huiqi.platform.policy import get_policy
from huiqi.screening.flat import flat_layout
from huiqi.screening.screen import output_schema, read_batches, screen_table
from huiqi.web import screening_upload
from huiqi.web.deps import AnalystUser, PageDb
from huiqi.web.forms import read_form
from huiqi.web.render import Redraw, html_error, page, policy, redirect
from huiqi.web.screening_names import add_names, top_firms

router = APIRouter(prefix="/analyst/screening")
MAX_UPLOAD = 200 * 1024 * 1024
OUTPUTS = {
    "csv": ("result.csv", "text/csv"),
    "parquet": ("result.parquet", "application/vnd.apache.parquet"),
    "errors": ("errors.csv", "text/csv"),
}


def public(job: Job) -> dict[str, Any]:
    """What the page and its JSON twin show of a screening job."""
    out = job_out(job)
    res = job.result or {}
    params = job.params or {}
    return {
        "id": job.id,
        "filename": params.get("filename", ""),
        "fiscal_year": params.get("fiscal_year"),
        "as_of": params.get("as_of"),
        "state": job.status,
        "state_label": out.status_label,
        "percent": out.percent,
        "message": job.message,
        "cancellable": job.status in ("queued", "running") and not job.cancel_requested,
        "rows_total": job.progress_total,
        "rows_done": res.get("rows_done", job.progress_done),
        "rows_out": res.get("rows_out", 0),
        "bad_rows": res.get("bad_rows", 0),
        "errors": res.get("errors", [])[:50],
        "totals_fen": res.get("totals_fen", dict.fromkeys(_measures(), 0)),
        "eligible": res.get("eligible", dict.fromkeys(_measures(), 0)),
        "total_fen": sum(res.get("totals_fen", {}).values()),
        "top": res.get("top", []),
    }


def _measures() -> tuple[str, ...]:
    """The measures a flat file answers under the platform's policy (its screen.yaml)."""
    return flat_layout(get_policy()).measures


def _count_rows(content: bytes, suffix: str) -> int | None:
    if suffix == ".parquet":
        return None  # read_batches knows it
    lines = content.count(b"\n") + (0 if content.endswith(b"\n") else 1)
    return max(lines - 1, 0)  # less the header


def run(ctx: JobContext) -> None:
    filename, content = ctx.input()
    fiscal_year = int(ctx.params["fiscal_year"])
    as_of = dt.date.fromisoformat(ctx.params["as_of"])
    suffix = ".parquet" if filename.lower().endswith((".parquet", ".pq")) else ".csv"
    src = ctx.temp_dir / f"input{suffix}"
    src.write_bytes(content)
    del content
    pol = get_policy()
    ctx.progress(0, None, "正在读取文件")
    total_guess = _count_rows(src.read_bytes(), suffix)
    # ~20 steps so the bar moves visibly even for a small file
    batch_rows = max(500, (total_guess or 200_000) // 20)
    layout = flat_layout(pol)
    batches, total = read_batches(layout, src, batch_rows)
    total = total if total is not None else total_guess
    errors: list[tuple[int, str, str, str]] = []
    done = rows_out = bad = 0
    totals = dict.fromkeys(layout.measures, 0)
    eligible = dict.fromkeys(layout.measures, 0)
    result_path = ctx.temp_dir / "result.parquet"
    with pq.ParquetWriter(result_path, output_schema(layout)) as writer:
        for batch in batches:
            out, rep = screen_table(pol, pa.Table.from_batches([batch]), fiscal_year, as_of)
            writer.write_table(out)
            errors.extend((done + r, f, rule, m) for r, f, rule, m in rep.errors)
            done += rep.rows_in
            rows_out += rep.rows_out
            bad += rep.bad_rows
            for mid in layout.measures:
                totals[mid] += rep.totals_fen[mid]
                eligible[mid] += rep.eligible[mid]
            shown = f"已筛查 {done:,} 行" + (f" / 共 {total:,} 行" if total else "")
            ctx.progress(done, total, shown)
    named = add_names(result_path, src)  # the firm's name and district, when given
    csv_path = ctx.temp_dir / "result.csv"
    pacsv.write_csv(named, csv_path)
    outputs = [
        jobs.NewFile(name, name, OUTPUTS[key][1], (ctx.temp_dir / name).read_bytes())
        for key, name in (("parquet", "result.parquet"), ("csv", "result.csv"))
    ]
    if errors:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["行号", "字段", "规则", "说明"])
        w.writerows(csv_row(e) for e in errors)
        outputs.append(
            jobs.NewFile("errors.csv", "errors.csv", "text/csv", buf.getvalue().encode("utf-8-sig"))
        )
    result = {
        "rows_done": done,
        "rows_out": rows_out,
        "bad_rows": bad,
        "errors": [
            {"row": r, "field": f, "rule": rule, "message": m} for r, f, rule, m in errors[:50]
        ],
        "totals_fen": totals,
        "eligible": eligible,
        "top": top_firms(named),  # largest awards, named, for the page
    }
    with ctx.write() as db:
        job = ctx.own(db)
        ctx.finish(db, job, result, f"完成：{done:,} 行，其中 {bad:,} 行有误未计入", outputs)
        db.commit()


register(JobKind("screening", "批量筛查", run))


# ---- pages ---------------------------------------------------------------------------------


def _mine(db: PageDb, user: Principal) -> list[dict[str, Any]]:
    return [public(j) for j in jobs.list_visible(db, _owner_only(user), "screening")]


def _owner_only(p: Principal) -> Principal:
    # an admin sees every job in the API; on this page everyone sees their own uploads
    return Principal(p.user_id, p.username, "analyst")


def _form_data(db: PageDb, user: Principal, defaults: dict[str, Any]) -> dict[str, Any]:
    columns = list(flat_layout(get_policy()).required)
    return {"jobs": _mine(db, user), "columns": columns, "defaults": defaults}


@router.get("", summary="批量筛查")
def screening(request: Request, user: AnalystUser, db: PageDb) -> Response:
    data = _form_data(db, user.principal, {"fiscal_year": 2023, "as_of": "2024-06-30"})
    return page(request, "screening.html", data, title="批量筛查")


@router.post("", summary="上传并开始筛查")
async def start(request: Request, user: AnalystUser, db: PageDb) -> Response:
    form = await request.form()
    upload = form.get("file")
    fy_text, as_of_text = str(form.get("fiscal_year", "")), str(form.get("as_of", ""))
    fields, errors = read_form(ScreeningForm, {"fiscal_year": fy_text, "as_of": as_of_text})
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = "请选择要筛查的 CSV、Excel 或 Parquet 文件"
    elif not upload.filename.lower().endswith((".csv", ".xlsx", ".xlsm", ".parquet", ".pq")):
        errors["file"] = "文件应为 .csv、.xlsx 或 .parquet 格式"
    content = b""
    if not errors and isinstance(upload, UploadFile):
        content = await upload.read(MAX_UPLOAD + 1)
        if len(content) > MAX_UPLOAD:
            errors["file"] = "文件不能超过 200MB；更大的登记册请用命令行 huiqi screen"
    filename = upload.filename if isinstance(upload, UploadFile) and upload.filename else ""
    if not errors:
        try:  # GBK or UTF-8 CSV, .xlsx, Chinese column titles -> what the screening core reads
            filename, content = await run_in_threadpool(
                screening_upload.normalise, filename, content
            )
        except ApiError as exc:
            errors["file"] = exc.errors[0]["message"]
    if errors or fields is None:
        data = _form_data(db, user.principal, {"fiscal_year": fy_text, "as_of": as_of_text})
        return page(request, "screening.html", data, title="批量筛查", redraw=Redraw(errors))
    params = {
        "filename": filename,
        "fiscal_year": fields.fiscal_year,
        "as_of": fields.as_of.isoformat(),
    }
    job = jobs.enqueue(
        db, user.principal, "screening", f"批量筛查：{filename}", params,
        [jobs.NewFile("input", filename, "application/octet-stream", content)],
    )  # fmt: skip
    db.commit()
    return redirect(request, f"/analyst/screening/{job.id}")


@router.get("/template.{kind}", summary="下载筛查登记册模板")
def screening_template(request: Request, user: AnalystUser, kind: str) -> Response:
    from huiqi.platform.tabular import template_csv, template_xlsx

    columns, example = screening_upload.template_row()
    if kind == "xlsx":
        body = template_xlsx(columns, example, sheet="筛查登记册")
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif kind == "csv":
        body, media = template_csv(columns, example), "text/csv; charset=utf-8"
    else:
        return html_error(request, 404, "模板格式应为 xlsx 或 csv")
    name = quote(f"筛查登记册模板.{kind}")
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )


def _job(db: PageDb, user: Principal, job_id: str) -> Job | None:
    if not job_id.isdigit() or int(job_id) > 2**31 - 1:
        return None
    try:
        job = jobs.get_visible(db, _owner_only(user), int(job_id))
    except ApiError:
        return None
    return job if job.kind == "screening" else None


@router.get("/{job_id}", summary="筛查进度与结果")
def job_page(request: Request, user: AnalystUser, db: PageDb, job_id: str) -> Response:
    job = _job(db, user.principal, job_id)
    if job is None:
        return html_error(request, 404, "筛查任务不存在或已过期")
    shown = public(job)
    pol = policy()
    data = {
        "job": shown,
        "measures": [{"id": m, "title": pol.measures[m].title} for m in shown["totals_fen"]],
    }
    return page(request, "screening_job.html", data, title="筛查进度")


@router.post("/{job_id}/cancel", summary="取消筛查")
def cancel(request: Request, user: AnalystUser, db: PageDb, job_id: str) -> Response:
    job = _job(db, user.principal, job_id)
    if job is None:
        return html_error(request, 404, "筛查任务不存在或已过期")
    jobs.request_cancel(db, _owner_only(user.principal), job.id)
    return redirect(request, f"/analyst/screening/{job_id}")


@router.get("/{job_id}/download", summary="下载筛查结果")
def download(
    request: Request, user: AnalystUser, db: PageDb, job_id: str, kind: str = "csv"
) -> Response:
    name, media = OUTPUTS.get(kind, OUTPUTS["csv"])
    job = _job(db, user.principal, job_id)
    if job is None or job.status != "done":
        return html_error(request, 404, "结果尚未生成")
    f = jobs.file_of(db, job.id, name)
    if f is None:
        return html_error(request, 404, "没有该文件")
    stem = str((job.params or {}).get("filename", "registry")).rsplit(".", 1)[0]
    content = f.content
    disposition = f"attachment; filename*=UTF-8''{quote(f'{stem}-筛查结果-{name}')}"
    return Response(content, media_type=media, headers={"Content-Disposition": disposition})
