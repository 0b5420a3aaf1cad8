"""武政规〔2022〕6号《武汉市支持数字经济加快发展若干政策》 as a huiqi policy package."""

from .measures import FORMULAS

__all__ = ["FORMULAS"]
