"""experiments: reproducible studies (run with ``python -m experiments``)."""
