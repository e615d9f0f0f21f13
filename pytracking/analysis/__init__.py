"""Analysis of tracking results: result sets (own runs and external raw results), cached per-sequence scores,
tables, plots and benchmark submission packs. Every number comes from ``common.metrics``.

    results.py   find run folders and external result folders, read boxes and times
    cache.py     per-sequence scores cached under <workspace>/cache/analysis, keyed by content hashes
    evaluate.py  score result sets on a dataset: overall (mean +- std over run ids), per sequence, per attribute
    tables.py    text tables of those reports
    plots.py     success / precision plots (PNG + PDF)
    packing.py   GOT-10k / TrackingNet submission zips, with a local validator
    render.py    draw boxes on frames (playback)
"""
