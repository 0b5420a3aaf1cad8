"""The policy's non-money tasks, one row per responsible unit."""
