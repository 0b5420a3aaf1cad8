"""免申即享 campaigns: screen, create candidates, push, confirm or decline."""
