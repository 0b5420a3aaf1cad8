"""The pure rules core: no I/O, no imports from the rest of huiqi.

Money is integer fen (numpy int64 in columns, int in scalars) or Decimal at the edges.
"""
