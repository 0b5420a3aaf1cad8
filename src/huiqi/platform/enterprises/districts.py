"""The districts a Wuhan firm may be registered in: the 13 administrative districts and the
city's functional areas (功能区) that run their own enterprise-support review.

The district routes district first review and the district's share of payment, so it is a
registration fact checked against this list, not free text.
"""

from __future__ import annotations

from huiqi.platform.errors import ApiError

ADMINISTRATIVE = (
    "江岸区", "江汉区", "硚口区", "汉阳区", "武昌区", "青山区", "洪山区",
    "东西湖区", "汉南区", "蔡甸区", "江夏区", "黄陂区", "新洲区",
)  # fmt: skip
FUNCTIONAL_AREAS = ("东湖高新区", "武汉经开区", "长江新区", "东湖风景区")
# Full names people also write, mapped to the name the platform uses.
ALIASES = {
    "东湖新技术开发区": "东湖高新区",
    "武汉东湖新技术开发区": "东湖高新区",
    "武汉经济技术开发区": "武汉经开区",
    "武汉长江新区": "长江新区",
    "东湖生态旅游风景区": "东湖风景区",
}
WUHAN_DISTRICTS = ADMINISTRATIVE + FUNCTIONAL_AREAS


def official_district(name: str, path: str = "district") -> str:
    """The platform's name for a Wuhan district or functional area; 422 for anything else."""
    text = (name or "").strip()
    text = ALIASES.get(text, text)
    if text not in WUHAN_DISTRICTS:
        raise ApiError(
            422,
            "unknown_district",
            f"“{name}”不是武汉市的区或功能区；应为 {'、'.join(WUHAN_DISTRICTS)} 之一",
            path,
        )
    return text
