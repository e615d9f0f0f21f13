"""dctrack tracker parameter files: one ``parameters() -> TrackerParams`` per file, each naming its training run;
variants that only change values are rows of ``plugins.dctrack.variants``."""
