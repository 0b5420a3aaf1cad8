"""Policy packages and their loader."""

from .loader import available_policies, load_policy, register_policy

__all__ = ["available_policies", "load_policy", "register_policy"]
