"""The ``python -m ltr.data`` tools: verify a dataset, show sampled training triplets, benchmark the loader."""
