"""The simulation report: tables (terminal), an Excel workbook and charts (PNG + HTML).

All sums come from `Summary` in integer fen and are shown as 元 / 万元 with
huiqi.rules.money; Excel cells hold exact Decimal yuan with a 元 number format. Charts
plot 万元 (a picture needs no fen). Chinese labels need a CJK font: without one, PNG charts
fall back to measure ids and romanised district names, and the HTML charts (SVG text,
rendered by the browser's own fonts) stay in Chinese.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from huiqi.policies.loader import DEFAULT_POLICY_ID, available_policies, package_yaml
from huiqi.rules.errors import InputError
from huiqi.rules.money import format_wan
from huiqi.rules.policy import Policy

from .reform import Reform, describe_changes
from .simulate import Summary


@dataclass(frozen=True)
class Pool:
    name: str
    measures: tuple[str, ...]
    amount_fen: int  # per fiscal year


def load_pools(path: Path | None = None) -> list[Pool]:
    """Budget pools from YAML ({pools: {name: {measures, amount}}}); default: the policy
    package's sandbox_pools.yaml."""
    if path is None:
        module = available_policies()[DEFAULT_POLICY_ID]
        text = resources.files(module).joinpath("sandbox_pools.yaml").read_text("utf-8")
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError.single(
                str(path), "file", f"无法读取资金池文件：{exc.strerror}"
            ) from None
    raw = yaml.safe_load(text) or {}
    pools = []
    for name, spec in (raw.get("pools") or {}).items():
        amount = Decimal(str(spec.get("amount")))
        if amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise InputError.single(
                f"pools.{name}.amount", "number", "资金池额度应为非负金额（元）"
            )
        pools.append(
            Pool(str(name), tuple(str(m) for m in spec.get("measures", [])), int(amount * 100))
        )
    return pools


def _yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def _delta(fen: int) -> str:
    return ("+" if fen > 0 else "") + format_wan(fen)


def _pct(part: int, whole: int) -> str:
    if whole == 0:
        return "—"
    return f"{Decimal(part * 100) / Decimal(whole):.1f}%"


@dataclass
class Tables:
    """Every table of the report, as rows of plain values (fen as int)."""

    measures: list[list[Any]]
    districts: list[list[Any]]
    years: list[list[Any]]
    pools: list[list[Any]]
    winners: list[list[Any]]
    losers: list[list[Any]]
    changes: list[tuple[str, str, str]]
    overview: list[tuple[str, Any]]


def build_tables(summary: Summary, policy: Policy, reform: Reform, pools: list[Pool]) -> Tables:
    base_m = summary.total(0, lambda k: k[0])
    ref_m = summary.total(1, lambda k: k[0])
    firms_b = summary.total(2, lambda k: k[0])
    firms_r = summary.total(3, lambda k: k[0])
    measures = []
    for mid, spec in policy.measures.items():
        if spec.kind != "computed":
            continue
        b, r = base_m.get(mid, 0), ref_m.get(mid, 0)
        disabled = "（改革中停用）" if mid in reform.disable else ""
        measures.append(
            [mid, spec.title + disabled, b, r, r - b, firms_b.get(mid, 0), firms_r.get(mid, 0)]
        )
    base_d = summary.total(0, lambda k: k[1])
    ref_d = summary.total(1, lambda k: k[1])
    firm_d: dict[str, list[int]] = {}
    for (district, _), v in summary.firms.items():
        cell = firm_d.setdefault(district, [0] * len(v))
        for i, x in enumerate(v):
            cell[i] += x
    districts = [
        [
            d,
            base_d.get(d, 0),
            ref_d.get(d, 0),
            ref_d.get(d, 0) - base_d.get(d, 0),
            firm_d.get(d, [0] * 5)[0],
            firm_d.get(d, [0] * 5)[1],
            firm_d.get(d, [0] * 5)[2],
        ]
        for d in sorted(
            set(base_d) | set(ref_d) | set(firm_d),
            key=lambda x: -abs(ref_d.get(x, 0) - base_d.get(x, 0)),
        )
    ]
    base_y = summary.total(0, lambda k: k[2])
    ref_y = summary.total(1, lambda k: k[2])
    years = [
        [y, base_y.get(y, 0), ref_y.get(y, 0), ref_y.get(y, 0) - base_y.get(y, 0)]
        for y in sorted(set(base_y) | set(ref_y) | {y for _, y in summary.firms})
    ]
    pool_rows = []
    by_my_b = summary.total(0, lambda k: (k[0], k[2]))
    by_my_r = summary.total(1, lambda k: (k[0], k[2]))
    for pool in pools:
        for y, *_ in years:
            b = sum(by_my_b.get((m, y), 0) for m in pool.measures)
            r = sum(by_my_r.get((m, y), 0) for m in pool.measures)
            flag = (
                "超出额度"
                if r > pool.amount_fen
                else ("接近额度" if r * 10 > pool.amount_fen * 9 else "")
            )
            pool_rows.append(
                [
                    pool.name,
                    y,
                    pool.amount_fen,
                    b,
                    _pct(b, pool.amount_fen),
                    r,
                    _pct(r, pool.amount_fen),
                    flag,
                ]
            )
    winners = [[c, y, d, b, r, dl] for dl, c, y, d, b, r in summary.winners]
    losers = [[c, y, d, b, r, dl] for dl, c, y, d, b, r in summary.losers]
    firms_total = [sum(v[i] for v in summary.firms.values()) for i in range(5)]
    total_b, total_r = sum(base_m.values()), sum(ref_m.values())
    overview: list[tuple[str, Any]] = [
        ("改革方案", reform.name),
        ("说明", reform.description),
        ("案例（企业×年度）", summary.cases),
        ("坏行（已剔除）", summary.bad_cases),
        ("基线总额", format_wan(total_b)),
        ("改革后总额", format_wan(total_r)),
        ("变化", _delta(total_r - total_b)),
        ("基线获奖企业", firms_total[3]),
        ("改革后获奖企业", firms_total[4]),
        ("得益企业", firms_total[1]),
        ("受损企业", firms_total[2]),
    ]
    return Tables(
        measures,
        districts,
        years,
        pool_rows,
        winners,
        losers,
        describe_changes(policy, reform),
        overview,
    )


def print_report(tables: Tables, console: Any = None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()

    def table(title: str, headers: list[str], rows: list[list[str]]) -> None:
        t = Table(title=title, title_justify="left")
        for i, h in enumerate(headers):
            t.add_column(h, justify="left" if i < 2 else "right")
        for r in rows:
            t.add_row(*[str(x) for x in r])
        console.print(t)

    for k, v in tables.overview:
        console.print(f"[bold]{k}[/bold]：{v}")
    table("改革内容", ["项目", "基线", "改革"], [list(c) for c in tables.changes])
    table(
        "按措施（金额）",
        ["措施", "名称", "基线", "改革", "变化", "基线企业", "改革企业"],
        [
            [m, t, format_wan(b), format_wan(r), _delta(d), f"{fb:,}", f"{fr:,}"]
            for m, t, b, r, d, fb, fr in tables.measures
        ],
    )
    table(
        "按区",
        ["区", "基线", "改革", "变化", "企业", "得益", "受损"],
        [
            [d, format_wan(b), format_wan(r), _delta(x), f"{n:,}", f"{g:,}", f"{lo:,}"]
            for d, b, r, x, n, g, lo in tables.districts
        ],
    )
    table(
        "按会计年度",
        ["年度", "基线", "改革", "变化"],
        [[y, format_wan(b), format_wan(r), _delta(x)] for y, b, r, x in tables.years],
    )
    table(
        "预算压力（资金池）",
        ["资金池", "年度", "额度", "基线", "占用", "改革", "占用", ""],
        [
            [p, y, format_wan(a), format_wan(b), pb, format_wan(r), pr, f]
            for p, y, a, b, pb, r, pr, f in tables.pools
        ],
    )
    for title, rows in (
        ("受益最多的企业", tables.winners[:10]),
        ("受损最多的企业", tables.losers[:10]),
    ):
        table(
            title,
            ["统一社会信用代码", "年度", "区", "基线", "改革", "变化"],
            [[c, y, d, format_wan(b), format_wan(r), _delta(x)] for c, y, d, b, r, x in rows],
        )


def write_excel(tables: Tables, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from huiqi.cells import keep_text_workbook

    wb = Workbook()
    money_fmt = '#,##0.00" 元";-#,##0.00" 元"'
    sheets = [
        ("概要", ["项目", "内容"], [list(x) for x in tables.overview], set()),
        ("改革内容", ["项目", "基线", "改革"], [list(c) for c in tables.changes], set()),
        (
            "按措施",
            [
                "措施",
                "名称",
                "基线（元）",
                "改革（元）",
                "变化（元）",
                "基线获奖企业",
                "改革获奖企业",
            ],
            tables.measures,
            {2, 3, 4},
        ),
        (
            "按区",
            ["区", "基线（元）", "改革（元）", "变化（元）", "企业数", "得益企业", "受损企业"],
            tables.districts,
            {1, 2, 3},
        ),
        ("按年度", ["会计年度", "基线（元）", "改革（元）", "变化（元）"], tables.years, {1, 2, 3}),
        (
            "预算压力",
            [
                "资金池",
                "会计年度",
                "额度（元）",
                "基线（元）",
                "基线占用",
                "改革（元）",
                "改革占用",
                "提示",
            ],
            tables.pools,
            {2, 3, 5},
        ),
        (
            "受益最多",
            ["统一社会信用代码", "会计年度", "区", "基线（元）", "改革（元）", "变化（元）"],
            tables.winners,
            {3, 4, 5},
        ),
        (
            "受损最多",
            ["统一社会信用代码", "会计年度", "区", "基线（元）", "改革（元）", "变化（元）"],
            tables.losers,
            {3, 4, 5},
        ),
    ]
    first = wb.active  # a new workbook starts with one empty sheet
    if first is not None:
        wb.remove(first)
    for title, headers, rows, money_cols in sheets:
        ws = wb.create_sheet(title)
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        for row in rows:
            ws.append([_yuan(v) if i in money_cols else v for i, v in enumerate(row)])
        for col in money_cols:
            for r in range(2, len(rows) + 2):
                ws.cell(row=r, column=col + 1).number_format = money_fmt
        for i, h in enumerate(headers):
            width = max([len(str(h)) * 2] + [len(str(r[i])) + 4 for r in rows[:200]])
            ws.column_dimensions[chr(ord("A") + i)].width = min(max(width, 10), 60)
    keep_text_workbook(wb)  # reform names and labels come from YAML files: text, not formulas
    wb.save(path)


# romanised names for charts drawn without a CJK font (the policy package's population.yaml)
ROMAN: dict[str, str] = {
    str(d["name"]): str(d["roman"])
    for d in (package_yaml(DEFAULT_POLICY_ID, "population.yaml") or {}).get("districts", [])
    if d.get("roman")
}


def cjk_font() -> str | None:
    from matplotlib import font_manager

    for f in font_manager.fontManager.ttflist:
        if any(
            k in f.name for k in ("CJK", "WenQuanYi", "SimHei", "Source Han", "Hei", "Noto Sans SC")
        ):
            return str(f.name)
    return None


def write_charts(tables: Tables, outdir: Path, reform_name: str) -> list[Path]:
    """PNG charts (CJK font if any, else romanised labels) and one HTML page with the same
    charts as SVG whose text the browser renders in Chinese."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    font = cjk_font()
    matplotlib.rcParams["font.sans-serif"] = [font or "DejaVu Sans", "DejaVu Sans"]
    matplotlib.rcParams["svg.fonttype"] = "none"  # keep text as text in SVG
    written: list[Path] = []
    svgs: list[str] = []
    with warnings.catch_warnings():
        # SVG text is drawn by the browser; a local font without CJK glyphs is expected
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        figs = _figures(plt, tables, chinese=font is not None)
        for name, fig in figs:
            fig.tight_layout()
            path = outdir / f"{name}.png"
            fig.savefig(path, dpi=110)
            written.append(path)
        # with a CJK font the same figures serve the HTML; without one, redraw in Chinese
        if font is None:
            for _, fig in figs:
                plt.close(fig)
            figs = _figures(plt, tables, chinese=True)
        for _, fig in figs:
            buf = io.StringIO()
            fig.savefig(buf, format="svg")
            svgs.append(buf.getvalue())
            plt.close(fig)
    html = outdir / "charts.html"
    body = "\n".join(f"<figure>{s[s.index('<svg') :]}</figure>" for s in svgs)
    html.write_text(
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8">'
        f"<title>政策沙盘：{reform_name}</title>"
        "<style>body{font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif;"
        "max-width:1100px;margin:auto}figure{margin:2em 0}</style>"
        f"<h1>政策沙盘：{reform_name}</h1>"
        f"<p>生成于 {dt.datetime.now(ZoneInfo('Asia/Shanghai')):%Y-%m-%d %H:%M}</p>{body}</html>",
        encoding="utf-8",
    )
    written.append(html)
    return written


def _figures(plt: Any, tables: Tables, chinese: bool) -> list[tuple[str, Any]]:
    wan = 1_000_000  # fen per 万元

    def t(zh: str, en: str) -> str:
        return zh if chinese else en

    figs: list[tuple[str, Any]] = []
    rows = tables.measures
    fig, ax = plt.subplots(figsize=(10, 4.5))
    x = range(len(rows))
    ax.bar([i - 0.2 for i in x], [r[2] / wan for r in rows], 0.4, label=t("基线", "baseline"))
    ax.bar([i + 0.2 for i in x], [r[3] / wan for r in rows], 0.4, label=t("改革", "reform"))
    ax.set_xticks(list(x), [r[0] for r in rows])
    ax.set_ylabel(t("万元", "10k CNY"))
    ax.set_title(t("各措施资金需求：基线与改革", "Cost per measure: baseline vs reform"))
    ax.legend()
    figs.append(("cost_by_measure", fig))
    rows = tables.districts[:15]
    fig, ax = plt.subplots(figsize=(10, 5))
    labels = [r[0] if chinese else ROMAN.get(r[0], f"district {i + 1}") for i, r in enumerate(rows)]
    ax.barh(labels[::-1], [r[3] / wan for r in rows][::-1], color="tab:green")
    ax.set_xlabel(t("变化（万元）", "change (10k CNY)"))
    ax.set_title(t("各区资金变化（改革 − 基线）", "Change by district (reform - baseline)"))
    figs.append(("change_by_district", fig))
    rows = tables.pools
    fig, ax = plt.subplots(figsize=(10, 4.5))
    labels = [f"{r[0]} {r[1]}" if chinese else f"pool {i + 1} ({r[1]})" for i, r in enumerate(rows)]
    util = [[(v * 100 / r[2]) if r[2] else 0 for v in (r[3], r[5])] for r in rows]
    y = range(len(rows))
    ax.barh([i + 0.2 for i in y], [u[0] for u in util], 0.4, label=t("基线", "baseline"))
    ax.barh([i - 0.2 for i in y], [u[1] for u in util], 0.4, label=t("改革", "reform"))
    ax.axvline(100, color="red", linestyle="--")
    ax.set_yticks(list(y), labels)
    ax.set_xlabel(t("占年度额度 %", "% of yearly pool"))
    ax.set_title(t("预算压力", "Budget pressure"))
    ax.legend()
    figs.append(("budget_pressure", fig))
    return figs
