"""dctrack: a SiamFC++-like Siamese tracker whose previous-frame target prior is warped into the current
frame by dense correspondence and fused with the correlation features.

Network: ``network.DCTrackNet``; losses: ``actor.DCTrackActor``; online tracker: ``tracker.DCTrackTracker``;
train settings in ``train_settings/``, tracker parameters in ``parameters/``; export in ``export.py``.
"""
from common.plugins import PluginSpec
from plugins.dctrack.actor import build_actor
from plugins.dctrack.network import build_network
from plugins.dctrack.tracker import DCTrackTracker
from plugins.dctrack.variants import PARAMETER_VARIANTS, RETIRED, SETTING_VARIANTS
from pytracking.validation import tracking_validation

PLUGIN = PluginSpec(
    name="dctrack",
    build_network=build_network,
    build_actor=build_actor,
    tracker_class=DCTrackTracker,
    train_settings="plugins.dctrack.train_settings",
    parameters="plugins.dctrack.parameters",
    description="SiamFC++-like tracker with a dense-correspondence-warped previous-frame prior",
    tracking_validation=tracking_validation,
    setting_variants=SETTING_VARIANTS,
    parameter_variants=PARAMETER_VARIANTS,
    retired=RETIRED,
)
