"""Applications: one per measure, fiscal year and project, with a frozen snapshot."""
