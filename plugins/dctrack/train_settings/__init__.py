"""dctrack train settings with real logic: one ``config() -> TrainConfig`` per file, built on
``_base.default_config``; one-switch variants are rows of ``plugins.dctrack.variants``."""
