"""dctrack: a SiamFC++-like Siamese tracker whose previous-frame target prior is warped into the current
frame by dense correspondence and fused with the correlation features.

Network: ``network.DCTrackNet`` (SiamFC++-like base) or ``nano_base.NanoBaseNet`` (NanoTrack v2 base), built by
``bases.build_network``; losses: ``actor.DCTrackActor``; online tracker: ``tracker.DCTrackTracker``;
train settings in ``train_settings/``, tracker parameters in ``parameters/``; export in ``export.py``.
"""
from common.plugins import PluginSpec
from plugins.dctrack.actor import build_actor
from plugins.dctrack.bases import build_network
from plugins.dctrack.data_config import upgrade_config
from plugins.dctrack.debug_maps import DEBUG_MAPS
from plugins.dctrack.processing import build_processing
from plugins.dctrack.step import frame_step
from plugins.dctrack.tracker import DCTrackTracker
from plugins.dctrack.variants import PARAMETER_VARIANTS, RETIRED, SETTING_VARIANTS, TWIN
from pytracking.validation import tracking_validation

PLUGIN = PluginSpec(
    name="dctrack",
    build_network=build_network,
    build_actor=build_actor,
    tracker_class=DCTrackTracker,
    train_settings="plugins.dctrack.train_settings",
    parameters="plugins.dctrack.parameters",
    description="SiamFC++-like tracker with a dense-correspondence-warped previous-frame prior",
    build_processing=build_processing,
    debug_maps=DEBUG_MAPS,
    frame_step=frame_step,
    upgrade_config=upgrade_config,
    tracking_validation=tracking_validation,
    setting_variants=SETTING_VARIANTS,
    parameter_variants=PARAMETER_VARIANTS,
    retired=RETIRED,
    twin=TWIN,
)
