"""Benchmarks, kept out of the test suite: `make bench`, `make bench-workers`, `make bench-search`.

Each prints a markdown table and replaces its own section of docs/benchmarks.md; `--smoke`
runs a tiny size in seconds (tests/benchmarks runs that to show they still work).
"""
