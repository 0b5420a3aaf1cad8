"""The analyst dashboard: budget use and application figures, computed by the database."""
