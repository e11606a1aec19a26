"""Benchmarks of the client base: each prints its figure and a ratio against a baseline measured in the same run."""
