"""What happens next to an application: the step, who takes it, how long it usually takes, and
where to follow it. Shown on the firm's application page (right after submitting, too) and on
the officer's review page.

"How long" is measured, not promised: the median of the same step among the platform's recent
applications, in calendar days. With no history yet the page says so instead of guessing.
"""

from __future__ import annotations

from typing import Any

from huiqi.platform.applications.models import Application
from huiqi.platform.reviews.service import usual_days
from huiqi.web.deps import PageDb
from huiqi.web.formatting import person

# status -> (the step ahead, what it checks, the stage whose past durations say how long)
AHEAD: dict[str, tuple[str, str, str | None]] = {
    "draft": (
        "提交申报",
        "草稿只有本企业可见；提交后按当时的一企一档冻结材料并进入区级初审。",
        None,
    ),
    "submitted": (
        "区级初审",
        "核对申报材料、财务数据和企业信用；材料不全会退回补正，您会在本页看到需要补充的内容。",
        "district",
    ),
    "returned": (
        "企业补正",
        "请按审核员写明的内容更正一企一档后「补正后重新提交」，申报随即回到区级初审。",
        None,
    ),
    "district_passed": (
        "市级复核",
        "市级主管部门重新测算金额、核查是否已获同类支持，需要时送专家或第三方机构评审。",
        "city",
    ),
    "expert_review": ("专家评审", "评审专家或第三方机构独立提出意见，市级主管部门汇总。", "expert"),
    "city_passed": ("作出决定", "市级主管部门按政策公式或择优结果核定金额。", "decision"),
    "approved": ("公示", "拟支持名单向社会公示，公示期内任何人可实名提出异议。", None),
    "in_notice": ("公示期", "公示期满无异议后安排拨付；有异议的申报退回复核。", None),
    "noticed": ("安排拨付", "按市、区分担比例安排拨付，到账后本页显示拨付凭证。", None),
}
FINISHED = {
    "paid": "资金已拨付，本申报办理完毕。",
    "rejected": "本申报未获支持，办理结束；决定理由见上方。",
    "withdrawn": "本申报已撤回；申报期内可就同一事项重新申报。",
    "declined": "您已放弃该项支持。",
}


def next_step(
    db: PageDb,
    app: Application,
    district: str,
    units: list[str],
    follow_url: str,
    notice_days: int = 5,
) -> dict[str, Any]:
    """The next step of `app` for people: title, who, what, usual time, where to follow it."""
    if app.status in FINISHED:
        return {"finished": True, "text": FINISHED[app.status]}
    title, what, stage = AHEAD.get(app.status, ("办理中", "", None))
    if app.status in ("submitted", "draft"):
        who = person("district_officer", district=district)
    elif app.status == "returned":
        who = "本企业"
    elif app.status == "expert_review":
        who = "评审专家或第三方机构（由" + person("city_officer", units=units[:1]) + "邀请）"
    else:
        who = person("city_officer", units=units[:1])
    usual = usual_days(db, stage) if stage else None
    if usual:
        days, count = usual
        usual_text = (
            f"近期 {count} 件申报的这一步通常用时约 {days} 天"
            if days
            else (f"近期 {count} 件申报的这一步通常当天办结")
        )
    elif stage:
        usual_text = "平台上暂无这一步的办理记录，无法估计用时"
    else:
        usual_text = ""
    if app.status == "approved":
        usual_text = f"公示期为 {notice_days} 个工作日（不含法定节假日）"
    return {
        "finished": False,
        "title": title,
        "who": who,
        "what": what,
        "usual": usual_text,
        "follow_url": follow_url,
    }
