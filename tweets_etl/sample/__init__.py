"""Seeded, realistic raw X API pages about ChatGPT for `make run` and `make bench`."""
