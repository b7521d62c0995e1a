"""Benchmarks: each figure measured next to its baseline, in the same run."""
