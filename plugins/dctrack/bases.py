"""The network a dctrack model config builds: the correspondence branch on the SiamFC++-like base
(``network.DCTrackNet``) or on the NanoTrack v2 base (``nano_base.NanoBaseNet``), chosen by ``model.base``."""
from __future__ import annotations

from common.config import validate_config
from plugins.dctrack.config import ModelConfig
from plugins.dctrack.nano_base import NanoBaseNet
from plugins.dctrack.network import DCTrackNet

NETWORKS = {"siamfcpp": DCTrackNet, "nanotrack": NanoBaseNet}


def build_network(model_cfg: ModelConfig) -> DCTrackNet:
    """Build the dctrack network of a model config section (validated first)."""
    validate_config(model_cfg)
    return NETWORKS[model_cfg.base](model_cfg)
