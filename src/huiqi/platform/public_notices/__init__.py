"""公示: notice batches over working days, real-name objections, Excel export."""
