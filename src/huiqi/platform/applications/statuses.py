"""The statuses of an application and the groups the services ask about (the moves between them
are the table in lifecycle.py). A module with no imports of the platform: the models and the
audit reconciliation read these without the lifecycle's services."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    CANDIDATE = "candidate"
    DECLINED = "declined"
    SUBMITTED = "submitted"
    DISTRICT_PASSED = "district_passed"
    EXPERT_REVIEW = "expert_review"
    CITY_PASSED = "city_passed"
    APPROVED = "approved"
    REJECTED = "rejected"
    IN_NOTICE = "in_notice"
    NOTICED = "noticed"
    PAID = "paid"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


STATUS_ZH: dict[str, str] = {
    Status.DRAFT: "草稿（未提交）",
    Status.CANDIDATE: "待企业确认",
    Status.DECLINED: "企业已放弃",
    Status.SUBMITTED: "待区级初审",
    Status.DISTRICT_PASSED: "待市级复核",
    Status.EXPERT_REVIEW: "待专家/第三方评审",
    Status.CITY_PASSED: "待作出决定",
    Status.APPROVED: "已决定支持",
    Status.REJECTED: "不予支持",
    Status.IN_NOTICE: "公示中",
    Status.NOTICED: "公示期满",
    Status.PAID: "已拨付",
    Status.RETURNED: "退回补正（待企业修改）",
    Status.WITHDRAWN: "企业已撤回",
}

# Before the city decision the firm may withdraw and officers may return for correction; a
# decision commits budget and is published, and is undone only by an upheld objection.
BEFORE_DECISION = (
    Status.SUBMITTED,
    Status.DISTRICT_PASSED,
    Status.EXPERT_REVIEW,
    Status.CITY_PASSED,
    Status.RETURNED,
)
DECIDED = (Status.APPROVED, Status.REJECTED, Status.IN_NOTICE, Status.NOTICED, Status.PAID)
AWARDED = (Status.APPROVED, Status.IN_NOTICE, Status.NOTICED, Status.PAID)
# A new submission may take over the firm's own row in these statuses (one row per claim).
REOPENABLE = (Status.DRAFT, Status.WITHDRAWN, Status.DECLINED)
