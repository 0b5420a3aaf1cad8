"""Users, roles, password hashing and sessions."""
