"""Helpers shared by test modules of several packages (fixtures stay in conftest.py)."""
