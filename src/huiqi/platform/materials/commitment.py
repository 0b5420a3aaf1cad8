"""The 信用承诺书 (credit commitment), generated from the claim.

The firm does not write it: the platform fills in who claims what under which measure and for
how much, followed by the promises such guidelines usually ask for (true and complete
materials; no double funding of the same item, in line with the policy's 就高不重复 rule; no
serious dishonesty; the money used for its purpose and open to inspection; repayment and credit
consequences otherwise). The firm reads it and confirms it itself; the text it confirmed and the
sha256 of that text are stored and shown to officers.
"""

from __future__ import annotations

import hashlib

from huiqi.platform.applications.models import Application
from huiqi.platform.clock import business_today
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.policy import get_policy

PROMISES = (
    "本单位所填报的信息和提交的全部申报材料真实、准确、完整，不存在虚假记载、误导性陈述或重大遗漏；",
    "本申报事项未以相同内容重复申报，也未重复享受市级财政资金支持；与本市其他同类政策重叠的，"
    "按照“就高不重复”的原则只享受一项；",
    "本单位未被列入严重失信主体名单，近三年无重大违法违规行为；",
    "获得的支持资金按规定用途使用，自觉接受财政、审计及主管部门的监督检查，如实提供相关资料；",
    "如有违反上述承诺，自愿退回已获得的全部资金，承担相应法律责任，并同意将失信信息按规定"
    "记入信用记录、依法依规实施联合惩戒。",
)


def yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d} 元"


def amount_line(app: Application) -> str:
    if app.requested_amount_fen is not None:
        return f"申请金额：{yuan(app.requested_amount_fen)}"
    if app.engine_amount_fen is not None:
        return f"申请金额：按政策公式测算 {yuan(app.engine_amount_fen)}（以审核核定为准）"
    return "申请金额：以审核核定为准"


def commitment_text(app: Application, ent: Enterprise) -> str:
    """The full text the firm signs, for the application's current version."""
    pol = get_policy()
    spec = pol.measures[app.measure_id]
    lines = [
        "信用承诺书",
        "",
        f"承诺单位：{ent.name}（统一社会信用代码 {ent.credit_code}）",
        f"申报政策：《{pol.title}》（{pol.document_number}）",
        f"申报措施：{spec.id} {spec.title}（政策第{spec.clause_ref}条）",
        f"申报年度：{app.fiscal_year} 年度",
        amount_line(app),
        (
            f"申报编号：{app.id}（第 {app.version} 版）"
            if app.id is not None
            else "申报编号：提交后生成（以下为预览，提交时按本申报生成全文）"
        ),
        "",
        "本单位郑重承诺：",
        *(f"{i}. {p}" for i, p in enumerate(PROMISES, 1)),
        "",
        f"承诺日期：{business_today().isoformat()}",
    ]
    return "\n".join(lines)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
