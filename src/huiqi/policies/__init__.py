"""Policy packages and their loader."""

from .loader import DEFAULT_POLICY_ID, available_policies, load_policy, register_policy

__all__ = ["DEFAULT_POLICY_ID", "available_policies", "load_policy", "register_policy"]
