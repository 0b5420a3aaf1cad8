"""The Wuhan package covers its text: every clause is a measure, a task or a policy rule."""

from __future__ import annotations

import re
from pathlib import Path

from huiqi.policies import load_policy
from huiqi.policies.text import normalise, split_clauses
from huiqi.rules.policy import Policy

SHARED_TEXT = "wuhan-digital-economy-2022.txt"


def test_every_clause_of_the_text_has_a_measure_task_or_rule() -> None:
    policy = load_policy()
    for clause in policy.clauses:
        assert clause.measure_ids or clause.task_ids or clause.rule_params, clause.ref


def test_clauses_are_the_texts_own_24_items_and_closing_rule() -> None:
    policy = load_policy()
    ids = [c.id for c in policy.clauses]
    assert ids == [
        "1.1",
        "1.2",
        "1.3",
        "1.4",
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "2.5",
        "2.6",
        "2.7",
        "3.1",
        "3.2",
        "3.3",
        "3.4",
        "3.5",
        "3.6",
        "4.1",
        "4.2",
        "4.3",
        "5.1",
        "5.2",
        "5.3",
        "6.0",
    ]


def test_clause_words_are_the_published_words() -> None:
    policy = load_policy()
    body = normalise(policy.full_text)
    for clause in policy.clauses:
        assert clause.text in body
    for m in policy.measures.values():
        assert m.words in policy.clause(m.clause_id).text, m.id
    for t in policy.tasks:
        assert t.text in policy.clause(t.clause_id).text, t.id


def test_shipped_text_is_the_reference_text(shared_policy_dir: Path) -> None:
    policy = load_policy()
    assert policy.full_text == (shared_policy_dir / SHARED_TEXT).read_text(encoding="utf-8")


def test_every_money_sentence_is_a_measure() -> None:
    """A sentence promising money (万元, 奖励, 补助, 一事一议...) belongs to some measure."""
    policy = load_policy()
    money_words = ("万元", "奖励", "补助", "资金支持", "一事一议", "激励政策", "奖补")
    for cid, _, text in split_clauses(policy.full_text):
        clause = policy.clause(cid)
        covered = "".join(policy.measures[m].words for m in clause.measure_ids)
        covered += "".join(t.text for t in policy.tasks if t.clause_id == cid)
        for sentence in text.split("。"):
            if any(w in sentence for w in money_words) and "责任单位" not in sentence:
                core = sentence.split("，")[-1]
                assert (
                    core in covered
                    or any(core in policy.measures[m].words for m in clause.measure_ids)
                    or _task_mentions(policy, cid, sentence)
                ), f"{clause.ref}: {sentence}"


def _task_mentions(policy: Policy, cid: str, sentence: str) -> bool:
    return any(t.text in sentence for t in policy.tasks if t.clause_id == cid)


def test_responsible_units_in_text_order_first_leads() -> None:
    policy = load_policy()
    assert policy.clause("2.6").units == ("市科技局", "市经信局")
    assert policy.clause("1.1").units[-1] == "各区人民政府"
    assert policy.clause("5.2").units[0] == "市委组织部"
    task = next(t for t in policy.tasks if t.id == "4.1.T1")
    assert task.units[0] == "市政务服务大数据局"
    for t in policy.tasks:
        assert t.units, t.id


def test_closing_clause_is_carried_by_window_and_non_duplication_rule() -> None:
    policy = load_policy()
    closing = policy.clause("6.0")
    assert "就高不重复" in closing.text
    assert set(closing.rule_params) == {
        "window.start",
        "window.end",
        "interpretation.tie_goes_to_other_policy",
    }
    assert (policy.window_start.isoformat(), policy.window_end.isoformat()) == (
        "2022-06-01",
        "2025-05-31",
    )


def test_measure_ids_are_exactly_the_issue_table() -> None:
    expected = (
        "1.3.1 1.3.2 1.3.3 1.3.4 2.1.1 2.2.1 2.3.1 2.3.2 2.5.1 2.6.1 2.6.2 2.6.3 2.7.1 2.7.2 "
        "3.1.1 3.1.2 3.1.3 3.2.1 3.2.2 3.3.1 3.3.2 3.3.3 3.3.4 3.5.1 3.6.1"
    ).split()
    assert list(load_policy().measures) == expected


def test_every_parameter_has_unit_and_reference() -> None:
    for p in load_policy().parameters.values():
        assert p.unit and p.reference and p.description and p.values


def _fragments(sentence: str) -> list[str]:
    return [f for f in re.split(r"[，；]", sentence) if f]


def test_every_commitment_of_the_text_is_reached_by_a_task_or_a_measure() -> None:
    """Each clause sentence, fragment by fragment (split at ，；), lies inside the words of a
    task or a measure of its clause: nothing the text commits to is left untracked."""
    policy = load_policy()
    for clause in policy.clauses:
        if clause.id.endswith(".0"):
            continue
        words = [policy.measures[m].words for m in clause.measure_ids]
        words += [t.text for t in policy.tasks if t.clause_id == clause.id]
        body = clause.text.split("（责任单位")[0]
        sentences = [s for s in body.split("。") if s][1:]  # the first is the clause's title
        for sentence in sentences:
            for fragment in _fragments(sentence):
                assert any(fragment in w for w in words), f"{clause.ref}: {fragment}"


def test_named_commitments_have_their_own_task() -> None:
    policy = load_policy()
    titles = {t.id: t.title + t.text for t in policy.tasks}
    for clause_id, needle in (
        ("1.1", "FTTR"),
        ("1.2", "必备配套设施"),
        ("1.3", "标识解析二级节点"),
        ("1.3", "多层级的工业互联网平台体系"),
        ("1.4", "转供电改直供电"),
        ("2.4", "公共算法池"),
        ("4.3", "数据隐私保护制度"),
    ):
        assert any(
            needle in text and tid.startswith(clause_id + ".T") for tid, text in titles.items()
        ), needle


def test_units_keep_the_texts_grouping_joint_leads_and_note() -> None:
    policy = load_policy()
    c52 = policy.clause("5.2")
    assert c52.unit_groups[0] == ("市委组织部", "市人才工作局")
    assert c52.unit_groups[-1] == ("各区人民政府",)
    for t in policy.tasks:
        if t.clause_id == "5.2":
            assert t.leads == ("市委组织部", "市人才工作局") and not t.lead_by_convention
        else:
            assert t.leads == t.units[:1] and t.lead_by_convention, t.id
    assert policy.clause("1.4").unit_groups == (
        ("市发改委", "市经信局", "市市场监管局"),
        ("武汉供电公司",),
        ("各区人民政府",),
    )
    assert policy.unit_notes == {"各区人民政府": "含开发区、风景区、长江新城管委会，下同"}
    assert any(t.clause_id == "1.3" for t in policy.tasks)


def test_district_list_is_the_scope_parameter() -> None:
    from huiqi.policies.wuhan_digital_economy_2022.districts import (
        canonical_district,
        is_wuhan_district,
        wuhan_districts,
    )

    places = wuhan_districts()
    assert sum(d.kind == "district" for d in places) == 13
    assert {"东湖新技术开发区", "武汉经济技术开发区", "长江新区"} <= {d.name for d in places}
    assert all(d.reference for d in places)
    assert all(d.code and d.code.startswith("4201") for d in places if d.kind == "district")
    names = {n for d in places for n in d.names}
    assert set(load_policy().parameter_at("scope.districts", load_policy().window_start)) == names
    assert canonical_district("湖北省武汉市 东湖高新区") == "东湖新技术开发区"
    assert is_wuhan_district("洪山区") and not is_wuhan_district("北京市海淀区")


def test_payer_of_2_5_1_is_the_district() -> None:
    policy = load_policy()
    assert policy.measures["2.5.1"].default_city_percent == 0
    assert all(m.default_city_percent == 100 for k, m in policy.measures.items() if k != "2.5.1")
