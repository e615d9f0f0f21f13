"""nanotrack tracker parameter files: one ``parameters() -> TrackerParams`` per file."""
