"""nanotrack: NanoTrack v2 (MobileNetV3-small trunk + pixel-wise correlation head) from its published weights.

Network: ``network.NanoTrackNet``; weights importer: ``weights``; training: ``processing``, ``actor``
(``train_settings/finetune``); online tracker: ``tracker.NanoTrackTracker`` (``parameters/``, variants below);
cv2.TrackerNano as a peer: ``opencv_peer``; parity with it: ``parity``, ``tools/compare_opencv.py``.
"""
from common.plugins import PluginSpec, Variant
from plugins.nanotrack.actor import build_actor
from plugins.nanotrack.network import build_network
from plugins.nanotrack.processing import build_processing
from plugins.nanotrack.step import frame_step
from plugins.nanotrack.opencv_peer import peer_tracker
from plugins.nanotrack.tracker import NanoTrackTracker
from pytracking.validation import tracking_validation

PARAMETER_VARIANTS = {
    "exact": Variant(("decode=exact", "report=float"),
                     "cv2.TrackerNano's crops, boxes decoded through the crop's own transform and reported continuous: "
                     "removes its 0.5-1.5 px right/down offset (the oracle test's geometry)."),
    "published": Variant(("window_influence=0.49", "penalty_k=0.15", "size_lr=0.385", "window_sqrt=False",
                          "scale_reference=size", "pad_mean=first", "decode=exact", "report=float"),
                         "The published Python tracker's values (SiamTrackers NanoTrack configv2.yaml) and scale "
                         "penalty, plain Hann window, first-frame mean padding, exact decoding."),
    "finetune": Variant(("train_setting=finetune",),
                        "The tracker of default on the best checkpoint of the latest finetune run."),
}


PLUGIN = PluginSpec(
    name="nanotrack",
    build_network=build_network,
    build_actor=build_actor,
    tracker_class=NanoTrackTracker,
    train_settings="plugins.nanotrack.train_settings",
    parameters="plugins.nanotrack.parameters",
    description="NanoTrack v2 from its published weights (MobileNetV3-small + pixel-wise correlation head)",
    build_processing=build_processing,
    frame_step=frame_step,
    tracking_validation=tracking_validation,
    parameter_variants=PARAMETER_VARIANTS,
    peer_tracker=peer_tracker,
)
