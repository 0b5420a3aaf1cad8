"""Demo 供需对接 entries for a first start of `huiqi serve`: two demands and three supplies,
submitted by their owners and published by the 市经信局 through the same services the pages
use (lifecycle, audit). Tests start from an empty platform instead."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.auth.models import User
from huiqi.platform.auth.service import Principal
from huiqi.platform.matching import service
from huiqi.platform.matching.lifecycle import Action
from huiqi.platform.matching.models import MatchingEntry
from huiqi.platform.matching.schemas import EntryIn

WAN = 10_000 * 100  # fen per 万元

# (owner account, entry)
DEMO_ENTRIES: list[tuple[str, dict[str, object]]] = [
    ("enterprise2", {
        "kind": "demand", "category": "scenario", "title": "冲压车间设备故障预警",
        "description": "采集冲压机床振动与电流数据，提前预警设备故障，减少非计划停机",
        "field": "工业互联网", "district": "江岸区", "budget_min_fen": 50 * WAN,
        "budget_max_fen": 80 * WAN, "contact_name": "李经理", "contact_phone": "027-88880001",
    }),
    ("city_kj", {
        "kind": "demand", "category": "reform", "title": "科技项目申报材料智能预审",
        "description": "利用人工智能对科技项目申报材料进行完整性与合规性预审，减少人工退回",
        "field": "人工智能", "district": "江汉区", "contact_name": "市科技局信息中心",
    }),
    ("enterprise1", {
        "kind": "supply", "category": "new_product", "title": "机床振动监测与故障预警系统",
        "description": "基于工业互联网平台采集机床振动数据，用模型提前预警设备故障",
        "field": "工业互联网", "district": "东湖新技术开发区", "contact_name": "张工",
        "contact_phone": "13800000000",
    }),
    ("enterprise1", {
        "kind": "supply", "category": "solution", "title": "申报材料智能审核方案",
        "description": "基于人工智能与文档识别的申报材料完整性、合规性自动审核解决方案",
        "field": "人工智能", "district": "东湖新技术开发区", "contact_name": "王经理",
    }),
    ("enterprise2", {
        "kind": "supply", "category": "new_scenario", "title": "智能制造车间数字孪生",
        "description": "汽车零部件冲压车间的数字孪生新场景：产线仿真、排产优化与能耗分析",
        "field": "工业互联网", "district": "江岸区", "contact_name": "李经理",
    }),
]  # fmt: skip


def seed_matching(db: Session) -> bool:
    """Add the demo entries when there are none; False otherwise (or without the accounts)."""
    if db.scalar(select(MatchingEntry.id).limit(1)) is not None:
        return False
    users = {u.username: Principal.of(u) for u in db.scalars(select(User))}
    if "city_jx" not in users or any(name not in users for name, _ in DEMO_ENTRIES):
        return False
    for owner, body in DEMO_ENTRIES:
        entry = service.save(db, users[owner], EntryIn.model_validate(body), submit=True)
        service.act(db, users["city_jx"], entry.id, Action.PUBLISH)
    return True
