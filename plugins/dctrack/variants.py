"""dctrack's variant tables: every train setting and parameter set that differs from a recipe only by ``--set``
overrides is a row here (name -> overrides + the one line that says why), not a file.

``python ltr/run_training.py dctrack --list`` prints the tables; ``load_train_config`` / ``load_parameters`` build a
row from its base (a recipe file or another row) and the overrides, so ``diff_configs`` between a row and its base
shows exactly its switch. Only recipes with real logic keep a file (``train_settings/``, ``parameters/``).

To add a variant, add a row. A switch on the ``real_cpu`` recipe is the ablation's row finished by
``real_cpu.apply_real_cpu`` (the recipe reads the switch: the baseline draws no unlabeled frames); the
``cpu_nano`` recipe can take rows the same way through a function that applies it to a switched config.
"""
from __future__ import annotations

from common.plugins import Twin, Variant
from plugins.dctrack.train_settings.cpu_nano import cpu_nano_schedule
from plugins.dctrack.train_settings.real_cpu import apply_real_cpu

GT_PRIOR = ("data.noise.prior_center_sigma=0", "data.noise.prior_scale_sigma=0", "data.noise.prior_wrong_object_prob=0")
EXACT_NOISE = tuple(f"data.noise.{name}=0" for name in (
    "search_center_sigma", "search_scale_sigma", "prior_center_sigma", "prior_scale_sigma", "prior_wrong_object_prob",
    "prior_drop_prob", "template_center_sigma", "template_scale_sigma"))


def _prior(kind: str) -> tuple[str, ...]:
    return (f"model.prior_kind={kind}",)  # the processing renders the model's kind


ABLATIONS: dict[str, Variant] = {
    "ablate_coord": Variant(("model.fusion.coord_channels=True",),
                            "Ablation: normalised x/y coordinate channels concatenated in the fusion."),
    "ablate_fusion_both": Variant(("model.fusion.placement=both",),
                                  "Ablation: the prior is fused into the regression path too."),
    "ablate_global_direction": Variant(("model.global_direction=True",),
                                       "Ablation: add the global direction (attention-weighted mean target "
                                       "displacement, 2 channels)."),
    "ablate_gt_prior": Variant(GT_PRIOR, "Ablation: ground-truth prior (no prior noise, no wrong-object priors); "
                                         "dropout kept."),
    "ablate_neg_corr_only": Variant(("loss.negatives=corr_only",),
                                    "Ablation: negative pairs train only the correspondence losses (the seed's "
                                    "choice)."),
    "ablate_no_color": Variant(("loss.colorization=0",), "Ablation: no colorization self-supervision."),
    "ablate_no_cycle": Variant(("loss.cycle=0",), "Ablation: no cycle-consistency self-supervision."),
    "ablate_no_dropout": Variant(("data.noise.prior_drop_prob=0",),
                                 "Ablation: the prior is never dropped during training."),
    "ablate_nonlocal": Variant(("model.nonlocal_block=True", "model.nonlocal_position=after_fusion"),
                               "Ablation: a non-local block on the fused classification features."),
    "ablate_prior_box": Variant(_prior("box"), "Ablation: the prior is the box mask instead of a gaussian."),
    "ablate_prior_center": Variant(_prior("center"), "Ablation: the prior marks only the target centre cell."),
    "ablate_prior_direction": Variant(_prior("direction"), "Ablation: the prior is a 2-channel direction field "
                                                           "towards the target centre."),
    "ablate_prior_score": Variant(_prior("score"), "Ablation: the prior is the previous frame's score map "
                                                   "(score-like map in training)."),
    "ablate_same_transform": Variant(("data.augment.same_transform=True",),
                                     "Ablation: one geometric jitter shared by the previous and current crops."),
    "ablate_se_gate": Variant(("model.fusion.se_gate=True",), "Ablation: squeeze-excitation gate on the fused "
                                                              "residual."),
    "ablate_simclr": Variant(("data.augment.simclr.enabled=True",),
                             "Ablation: SimCLR-style augmentation of the search crops (random resized crop keeping "
                             "the target, strong colour distortion, grayscale, blur; colour target from the "
                             "undistorted crops)."),
}

# The trimmed AlexNet network that 'default' used before it returned to SiamFC++'s architecture (docs/speed.md):
# search 287 (15x15 score map), 1x1 adapters, 128-channel towers; 12.1 GFLOP per frame against 17.3.
SMALL = ("model.search_size=287", "model.adapter_kernel=1", "model.corr_channels=128", "model.head_channels=128")

RECIPES: dict[str, Variant] = {
    "baseline": Variant(("model.corr.enabled=False",),
                        "SiamFC++-like baseline on the same code path: no correspondence, no prior, no prior losses."),
    "default_small": Variant(SMALL, "default on a trimmed AlexNet network for CPU speed: search 287, 1x1 adapters, "
                                    "128-channel towers (12.1 GFLOP per frame against SiamFC++'s 17.3; docs/speed.md)."),
    "fast": Variant(("model.backbone=tiny", "model.head_fast=True", "model.corr.embed_dim=32", "model.corr.radius=4"),
                    "A lighter dctrack for speed: the 'tiny' backbone, depth-wise separable head, local attention "
                    "(radius 4), 32-d embedding, same code path, on default_small's sizes.", base="default_small"),
    "seed_v1": Variant(_prior("box") + EXACT_NOISE + (
        "model.fusion.placement=both", "model.fusion.use_confidence=False", "model.fusion.coord_channels=False",
        "model.fusion.se_gate=False", "loss.negatives=corr_only", "loss.colorization=0"),
        "The first dctrack experiment (the seed): ground-truth box-mask prior, no noise or dropout, plain concat "
        "fusion on both paths, negatives train only the correspondence, no colorization."),
}


def _on_real_cpu(switch: str) -> Variant:
    return Variant((), f"real_cpu recipe with the switch of '{switch}'; see real_cpu for environment and split.",
                   base=switch, finish=apply_real_cpu)


REAL_CPU: dict[str, Variant] = {
    f"real_cpu_{name.removeprefix('ablate_')}": _on_real_cpu(name)
    for name in ("baseline", "ablate_gt_prior", "ablate_neg_corr_only", "ablate_no_dropout", "ablate_prior_box",
                 "seed_v1")
}

def _on_cpu_nano(overrides: tuple[str, ...], reason: str) -> Variant:
    # cpu_nano_schedule runs again after the switch: it draws the unlabeled frames only when there is a
    # correspondence to train.
    return Variant(overrides, reason, base="cpu_nano", finish=cpu_nano_schedule)


CPU_NANO: dict[str, Variant] = {
    "cpu_nano_baseline": _on_cpu_nano(("model.corr.enabled=False",),
                                      "cpu_nano's control: the same run with the correspondence off. The base is "
                                      "frozen, so nothing trains: it is NanoTrack in dctrack's tracker."),
    "cpu_nano_score": _on_cpu_nano(_prior("score"), "cpu_nano with the previous frame's score map as the prior "
                                                    "(it carries the tracker's own uncertainty, e.g. under occlusion)."),
    "cpu_nano_prior_only": _on_cpu_nano(("model.fusion.feature_input=False",),
                                        "cpu_nano whose fusion sees only the prior-side channels: the branch cannot "
                                        "re-weight NanoTrack's features by itself, only add what the prior says."),
    "cpu_nano_prior_map": _on_cpu_nano(("model.fusion.feature_input=False", "model.fusion.use_confidence=False"),
                                       "cpu_nano_prior_only without the attention-confidence channel: the residual "
                                       "is a function of the warped prior map alone."),
    "cpu_nano_prior_map_gated": _on_cpu_nano(("model.fusion.feature_input=False", "model.fusion.use_confidence=False",
                                              "model.fusion.invalid_identity=True"),
                                             "cpu_nano_prior_map whose residual is off wherever the prior is invalid: "
                                             "the tracker's prior reset (prior_reset_threshold / _frames, after a run "
                                             "of low scores, e.g. an occlusion) then tracks with NanoTrack itself."),
    "cpu_nano_se_gate": _on_cpu_nano(("model.fusion.se_gate=True",),
                                     "cpu_nano with a squeeze-excitation gate on the fused residual (the network can "
                                     "scale the prior's contribution per sequence state)."),
}

SETTING_VARIANTS: dict[str, Variant] = {**ABLATIONS, **RECIPES, **REAL_CPU, **CPU_NANO}


def _tracker_for(setting: str, reason: str, base: str = "default", *extra: str) -> Variant:
    return Variant((f"train_setting={setting}", *extra), reason, base=base)


PARAMETER_VARIANTS: dict[str, Variant] = {
    **{name: _tracker_for(name, f"cpu_nano's tracker on train setting '{name}'.", "cpu_nano")
       for name in CPU_NANO},
    "cpu_nano_prior_map_gated_reset": _tracker_for(
        "cpu_nano_prior_map_gated", "cpu_nano_prior_map_gated whose prior reset watches the appearance-only score at "
        "the chosen cell: the fused score is propped up by the prior itself, so a reset on it may never fire.",
        "cpu_nano", "prior_reset_score=appearance"),
    "baseline": _tracker_for("baseline", "The baseline network: no prior path, so the prior is off.", "default",
                             "use_prior=False"),
    "default_small": _tracker_for("default_small", "The default post-processing on the trimmed network."),
    "fast": _tracker_for("fast", "The default post-processing on the fast network."),
    "seed_v1": _tracker_for("seed_v1", "The default post-processing on the seed's network."),
    "quick": _tracker_for("quick", "The CPU demo network; lower presence and prior-reset thresholds (a briefly "
                                   "trained model scores lower).", "default", "present_threshold=0.2",
                          "prior_reset_threshold=0.1"),
    "real_cpu": _tracker_for("real_cpu", "The real-video CPU recipe: quick's thresholds, the last epoch's checkpoint "
                                         "(no model selection on any held-out sequence).", "quick",
                             "checkpoint=latest"),
    "real_cpu_baseline": _tracker_for("real_cpu_baseline", "real_cpu's tracker on the baseline network (prior off).",
                                      "real_cpu", "use_prior=False"),
    **{f"real_cpu_{name}": _tracker_for(f"real_cpu_{name}", f"real_cpu's tracker on train setting "
                                                            f"'real_cpu_{name}'.", "real_cpu")
       for name in ("gt_prior", "neg_corr_only", "no_dropout", "prior_box", "seed_v1")},
}

# Parameter files that only set prior_mode are gone: --set does it (and --runid auto keeps the results apart).
RETIRED: dict[str, str] = {
    f"{run}_{mode}": f"it only set prior_mode; run parameter '{run}' with --set prior_mode={mode} --runid auto"
    for run in ("real_cpu", "real_cpu_gt_prior", "real_cpu_neg_corr_only", "real_cpu_no_dropout",
                "real_cpu_prior_box", "real_cpu_seed_v1")
    for mode in ("zero", "shift")
}

# Correspondence off (no prior path, no prior or self-supervised losses) on the same sizes: what the branch's extra
# cost is measured against (run_training.py --benchmark, benchmark.py --compare-reference).
TWIN = Twin(("model.corr.enabled=False",), ("use_prior=False",), "correspondence off")
