"""Payments with a per-measure city/district share."""
