"""Credit screening: 严重失信 and recent major administrative penalties block support."""
