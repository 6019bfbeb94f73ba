"""One module per measured system; each runs as ``python -m rlaybench.cases.NAME``."""
