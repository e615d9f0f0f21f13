"""Tracking-speed measurement, split by concern; ``pytracking/benchmark.py`` is its command line.

- ``errors``: ``BenchmarkError``;
- ``environment``: device, dtype, threads, CPU model and load average of a measurement;
- ``sequence``: the timed sequence (shared data, a folder, or synthetic), its frames and boxes;
- ``subjects``: the trackers under test (checkpoint or random weights) and the plugin's frame step;
- ``timing``: crops for the network, the timed loops (network, tracker step, end to end), interleaving;
- ``flops``: conv FLOPs counted with hooks, conv throughput, the backbone's share of it;
- ``reference``: a plain reference pipeline of a network (what a peer's code does per frame);
- ``report``: the printed report.
"""
