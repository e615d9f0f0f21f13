"""Evaluation: runner (trackers x sequences -> result files), result layout and manifests."""
