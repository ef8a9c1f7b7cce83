"""Developer scripts (benchmarks)."""
