"""Credit screening: 严重失信 and recent administrative penalties block support."""
