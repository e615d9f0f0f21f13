"""dctrack train settings: one file per run, each ``config() -> TrainConfig`` built on ``_base.default_config``."""
