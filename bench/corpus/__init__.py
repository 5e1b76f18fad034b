"""What the benchmarks build from this machine: its text (system), the labelled set (labelled) and junk (junk)."""
