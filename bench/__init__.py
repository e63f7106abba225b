"""Benchmarks (`make bench`): each prints p50/p99 and a ratio against a bare floor."""
