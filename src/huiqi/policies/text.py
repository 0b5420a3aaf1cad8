"""Reading a policy's published text: normalise for display, split into clauses.

Published Chinese government texts use full-width digits and letters, break lines mid-word
and leave page-break spaces. Clause words are compared and shown after normalising those
away, so that "５００ 万元" reads "500万元" and a quoted measure can be found in its clause.
"""

from __future__ import annotations

import re

_FW = {chr(0xFF10 + i): str(i) for i in range(10)}
_FW.update({chr(0xFF21 + i): chr(0x41 + i) for i in range(26)})
_FW.update({chr(0xFF41 + i): chr(0x61 + i) for i in range(26)})
_FW.update({"％": "%", "．": "."})
_TABLE = str.maketrans(_FW)

SECTION_NUMERALS = "一二三四五六七八九十"
_SECTION = re.compile(r"([一二三四五六七八九十])、([^。（]{2,30}?)(?=（一）)")
_CLAUSE = re.compile(r"（([一二三四五六七八九十]{1,2})）")


def normalise(text: str) -> str:
    """Half-width digits/letters, no whitespace (Chinese needs none)."""
    return re.sub(r"\s+", "", text.translate(_TABLE))


_CLOSING = re.compile(r"本(?:政策|措施|办法|规定|细则)(?:自|从)")


def policy_body(full_text: str, start_marker: str | None = None) -> str:
    """The policy proper: from its preamble (or `start_marker`) to before 抄送 / 印发 lines.

    Published files put the issuing notice (通知) before the policy; `start_marker` names the
    policy's first words where such a notice precedes it.
    """
    t = normalise(full_text)
    start = t.index(normalise(start_marker)) if start_marker else 0
    end = t.find("抄送", start)
    return t[start : end if end >= 0 else len(t)]


def split_clauses(full_text: str, start_marker: str | None = None) -> list[tuple[str, str, str]]:
    """[(clause id "2.6", section title, clause text)] in the text's order.

    The closing paragraph (施行、有效期、就高不重复) is returned as clause "<n+1>.0" where n is
    the number of sections, e.g. "6.0" for a policy of five sections.
    """
    body = policy_body(full_text, start_marker)
    out: list[tuple[str, str, str]] = []
    sections = list(_SECTION.finditer(body))
    closing_match = _CLOSING.search(body)
    closing = closing_match.start() if closing_match else len(body)
    for s_index, section in enumerate(sections):
        s_no = SECTION_NUMERALS.index(section.group(1)) + 1
        s_end = sections[s_index + 1].start() if s_index + 1 < len(sections) else closing
        chunk = body[section.end() : s_end]
        marks = list(_CLAUSE.finditer(chunk))
        expected = 1
        starts = []
        for m in marks:
            # only the next numeral in sequence opens a clause; other （…） are parentheses
            opens = m.start() == 0 or chunk[m.start() - 1] in "）。"
            if opens and m.group(1) == SECTION_NUMERALS[expected - 1]:
                starts.append((expected, m.start()))
                expected += 1
        for c_index, (c_no, c_start) in enumerate(starts):
            c_end = starts[c_index + 1][1] if c_index + 1 < len(starts) else len(chunk)
            out.append((f"{s_no}.{c_no}", section.group(2), chunk[c_start:c_end]))
    if closing_match:
        out.append((f"{len(sections) + 1}.0", "附则", body[closing:]))
    return out


_UNITS = re.compile(r"（责任单位：(.*?)）$")


def responsible_units(clause_text: str) -> tuple[str, ...]:
    """Units in the order the text lists them (the first leads); 〈…〉 notes dropped."""
    m = _UNITS.search(clause_text)
    if not m:
        return ()
    listed = re.sub(r"〈[^〉]*〉", "", m.group(1))
    return tuple(u for u in re.split(r"[、，]", listed) if u)


def responsible_unit_groups(clause_text: str) -> tuple[tuple[str, ...], ...]:
    """The units as the text groups them: "，" separates groups, "、" units within one."""
    m = _UNITS.search(clause_text)
    if not m:
        return ()
    listed = re.sub(r"〈[^〉]*〉", "", m.group(1))
    return tuple(tuple(u for u in group.split("、") if u) for group in listed.split("，") if group)


def responsible_unit_notes(clause_text: str) -> tuple[tuple[str, str], ...]:
    """(unit, note) for each 〈…〉 note the text attaches to a unit, in order."""
    m = _UNITS.search(clause_text)
    if not m:
        return ()
    return tuple(
        (unit.split("，")[-1].split("、")[-1], note)
        for unit, note in re.findall(r"([^〈〉]*?)〈([^〉]*)〉", m.group(1))
    )
