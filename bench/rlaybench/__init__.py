"""Side-by-side benchmarks of rlay against the limits and against its peers.

Every module here uses only the standard library and numpy at import time, because the
peer cases run inside their own virtualenvs, each holding just one peer's library.
"""
