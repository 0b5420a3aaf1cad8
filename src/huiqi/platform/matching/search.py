"""Chinese text search over published entries, on SQLite and on PostgreSQL.

Chinese has no spaces, so every entry's words are first cut by a maintained tokenizer
(rjieba, the Python binding of jieba-rs) into a space-joined `search_text`, e.g.
"基于 工业 互联 联网 互联网 平台 …" (search mode also yields the shorter words inside the long
ones). Each database then indexes those words:

- SQLite: an FTS5 table (default unicode61 tokenizer, which splits on the spaces) kept in step
  with `matching_entries` by triggers (migration 0090); ranked by bm25().
- PostgreSQL: a pg_trgm GIN index on `search_text` finds the entries containing any query
  word (pg_trgm answers LIKE '%…%' from the index); the score counts the query words the
  entry has as whole words.

Matching a demand to supplies (or a supply to demands) queries with the entry's own words,
then ranks: text relevance scaled to 0–1 within the candidates, plus a boost for the same
field and for the same district, so of two equally relevant supplies the local one in the
demand's field comes first.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import rjieba
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from huiqi.platform.matching.models import MatchingEntry

FIELD_BOOST = 0.5
DISTRICT_BOOST = 0.3
MAX_QUERY_WORDS = 16
MAX_CANDIDATES = 200
_WORD = re.compile(r"^[\w\u4e00-\u9fff]+$")
# function words that say nothing about the subject
_STOP = frozenset(
    "的 了 和 与 及 或 等 在 为 对 将 把 被 是 有 我 我们 你 您 其 该 本 一 个 一个 一批 进行 "
    "相关 需求 需要 提供 支持 实现 基于 通过 能够 以及 开展 服务 平台 建设 项目 系统 方案 "
    "解决方案 产品 应用 场景".split()
)


def words(text_: str) -> list[str]:
    """The text's words in search mode, lower-cased, punctuation dropped."""
    out = []
    for w in rjieba.cut_for_search(text_ or ""):
        w = w.strip().lower()
        if w and _WORD.match(w):
            out.append(w)
    return out


def index_text(entry: Any) -> str:
    return " ".join(words(f"{entry.title} {entry.description} {entry.field}"))


def query_words(text_: str) -> list[str]:
    """The words to search for: informative ones (no function words, no single Chinese
    characters), most frequent first, at most MAX_QUERY_WORDS."""
    counts = Counter(w for w in words(text_) if w not in _STOP and (len(w) >= 2 or w.isascii()))
    return [w for w, _n in counts.most_common(MAX_QUERY_WORDS)]


def _sqlite_scores(db: Session, terms: list[str], kind: str) -> dict[int, float]:
    match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
    rows = db.execute(
        text(
            "SELECT e.id, -bm25(matching_entries_fts) AS score FROM matching_entries_fts "
            "JOIN matching_entries e ON e.id = matching_entries_fts.rowid "
            "WHERE matching_entries_fts MATCH :q AND e.kind = :kind AND e.status = 'published' "
            "ORDER BY score DESC LIMIT :n"
        ),
        {"q": match, "kind": kind, "n": MAX_CANDIDATES},
    )
    return {int(i): float(s) for i, s in rows}


def _like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _postgres_scores(db: Session, terms: list[str], kind: str) -> dict[int, float]:
    """Candidates: entries containing any query word, found through the pg_trgm GIN index
    (it answers LIKE '%…%'); score: how many query words the entry has as whole words.
    (word_similarity() per word and row was tried first: 6 s for 5,000 entries, against
    0.1 s for this.)"""
    n = len(terms)
    near = " OR ".join(f"e.search_text LIKE :a{i}" for i in range(n))
    score = " + ".join(
        f"(CASE WHEN (' ' || e.search_text || ' ') LIKE :w{i} THEN 1 ELSE 0 END)" for i in range(n)
    )
    sql = text(
        f"SELECT e.id, ({score}) AS score FROM matching_entries e "
        f"WHERE e.kind = :kind AND e.status = 'published' AND ({near}) "
        "ORDER BY score DESC, e.id LIMIT :n"
    )
    params: dict[str, Any] = {"kind": kind, "n": MAX_CANDIDATES}
    for i, t in enumerate(terms):
        params[f"a{i}"] = f"%{_like(t)}%"
        params[f"w{i}"] = f"% {_like(t)} %"
    return {int(i): float(sc) for i, sc in db.execute(sql, params) if sc > 0}


def text_scores(db: Session, query: str, kind: str) -> dict[int, float]:
    """Published entries of `kind` whose words match `query`: id -> relevance (higher is
    better; the scale depends on the database)."""
    terms = query_words(query)
    if not terms:
        return {}
    if db.get_bind().dialect.name == "postgresql":
        return _postgres_scores(db, terms, kind)
    return _sqlite_scores(db, terms, kind)


@dataclass(frozen=True)
class Hit:
    entry: MatchingEntry
    score: float
    text_score: float
    same_field: bool
    same_district: bool


def rank(
    db: Session,
    query: str,
    kind: str,
    *,
    field: str | None = None,
    district: str | None = None,
    only_field: bool = False,
    only_district: bool = False,
    exclude_owner: str | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Published entries of `kind` for `query`, best first. `field`/`district` boost (or,
    with only_*, filter); entries in the same field are candidates even without a shared
    word, so a demand always sees the supplies of its field."""
    scores = text_scores(db, query, kind)
    ids = set(scores)
    if field:
        ids |= set(
            db.scalars(
                select(MatchingEntry.id)
                .where(
                    MatchingEntry.kind == kind,
                    MatchingEntry.status == "published",
                    MatchingEntry.field == field,
                )
                .limit(MAX_CANDIDATES)
            )
        )
    if not ids:
        return []
    top = max(scores.values(), default=0.0) or 1.0
    hits = []
    for e in db.scalars(select(MatchingEntry).where(MatchingEntry.id.in_(ids))):
        if exclude_owner and e.owner_key == exclude_owner:
            continue
        same_f, same_d = bool(field) and e.field == field, bool(district) and e.district == district
        if (only_field and not same_f) or (only_district and not same_d):
            continue
        t = max(scores.get(e.id, 0.0), 0.0) / top
        score = t + FIELD_BOOST * same_f + DISTRICT_BOOST * same_d
        hits.append(Hit(e, round(score, 4), round(t, 4), same_f, same_d))
    hits.sort(key=lambda h: (-h.score, h.entry.id))
    return hits[:limit]
