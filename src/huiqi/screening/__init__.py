"""Bulk screening (免申即享): a registry in, awards per enterprise out, over the same engine."""
