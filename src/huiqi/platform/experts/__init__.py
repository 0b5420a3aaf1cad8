"""Expert / third-party review: assignments by the city officer, opinions by the experts."""
