"""Budget pools, one per measure and fiscal year, never over-committed."""
