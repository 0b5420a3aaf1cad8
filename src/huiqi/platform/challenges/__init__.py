"""揭榜挂帅: the scenario board (policy clause 三（六）)."""
