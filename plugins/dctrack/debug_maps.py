"""What dctrack's training debug views draw of a sample (``PluginSpec.debug_maps``): the template, the previous crop
with the ground truth, the corrupted prior box and the rendered prior, the current crop with the ground truth, the
classification target and the predicted box, then the network's warped prior, appearance-only and fused scores."""
from __future__ import annotations

from common.plugins import DebugPanel

DEBUG_MAPS = (
    DebugPanel("template", "template (green: target)", image="template", boxes=("template_box",)),
    DebugPanel("previous", "previous crop (green: ground truth, yellow: prior box)", image="search_prev",
               boxes=("prev_box", "prior_box"), map="batch.prior", grid="feature"),
    DebugPanel("current", "current crop (green: ground truth, cyan: prediction)", image="search_cur",
               boxes=("cur_box",), map="batch.cls_target", grid="score", prediction=True),
    DebugPanel("warped_prior", "warped prior", map="output.warped_prior", grid="feature"),
    DebugPanel("appearance", "appearance-only score", map="output.cls_appearance", logits=True),
    DebugPanel("fused", "fused score", map="output.cls", logits=True),
)
