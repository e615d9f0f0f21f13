"""nanotrack train settings: one file per run, each ``config() -> TrainConfig``."""
