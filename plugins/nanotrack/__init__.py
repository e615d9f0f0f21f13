"""nanotrack: NanoTrack v2 (MobileNetV3-small trunk + pixel-wise correlation head) from its published weights.

Network: ``network.NanoTrackNet``; weights importer: ``weights``; train settings in ``train_settings/``,
tracker parameters in ``parameters/``.
"""
from common.plugins import PluginSpec
from plugins.nanotrack.network import build_network


def _not_yet(*_args, **_kwargs):
    raise NotImplementedError("nanotrack: the online tracker and the actor are not built yet (issue #16, milestone 2/3)")


PLUGIN = PluginSpec(
    name="nanotrack",
    build_network=build_network,
    build_actor=_not_yet,
    tracker_class=_not_yet,
    train_settings="plugins.nanotrack.train_settings",
    parameters="plugins.nanotrack.parameters",
    description="NanoTrack v2 from its published weights (MobileNetV3-small + pixel-wise correlation head)",
)
