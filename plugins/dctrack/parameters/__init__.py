"""dctrack tracker parameter files: one ``parameters() -> TrackerParams`` per file, each naming its training run."""
