"""Review steps: district first review, city re-check, expert/third party, decision."""
