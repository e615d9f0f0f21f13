"""Adapters to external evaluation toolkits: GOT-10k toolkit (``got10k_tracker``) and VOT/TraX (``vot_trax``).

Both are optional: they need the ``got10k`` and ``vot-trax`` packages respectively.
"""
