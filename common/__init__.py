"""Shared core of dctrack: boxes, image IO, crops, geometry, configuration, plugins, datasets.

Both halves (``ltr`` for training, ``pytracking`` for evaluation) import from here and never from
each other's internals.
"""
