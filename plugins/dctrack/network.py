"""The dctrack network: a SiamFC++-like Siamese tracker with a third input (the previous search crop).

Data flow (one shared backbone for template, previous and current crop)::

    template ─► backbone ─► cls/reg template adapters ─► kernels
    current  ─► backbone ─► cls/reg search adapters ─► depth-wise xcorr ─► (cls_corr, reg_corr)
    previous ─► backbone ─┐
                          ├► correspondence(cur, prev) ─► warp(prior of prev) ─► resample to corr grid
    current features ─────┘                                                     │
    cls_corr (+ reg_corr when fusion.placement == 'both') ◄── PriorFusion (zero-init) ◄┘
    ─► [non-local] ─► SiamHead ─► cls, ctr, ltrb

With ``model.corr.enabled = False`` the prior path is skipped entirely (the ``baseline``). The fusion
layers are zero-initialised, so at initialisation the outputs equal the baseline's with the same weights.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

import torch
from torch import nn

from ltr.models.backbones import build_backbone
from ltr.models.geometry import compute_geometry
from ltr.models.head import SiamHead
from ltr.models.inference import fold_input_normalization
from ltr.models.normalize import ImageNormalizer, to_grayscale
from ltr.models.xcorr import depthwise_xcorr
from plugins.dctrack.colorization import LabQuantizer
from plugins.dctrack.config import ModelConfig
from plugins.dctrack.correspondence import CorrespondenceModule
from plugins.dctrack.fusion import PriorFusion
from plugins.dctrack.grids import coordinate_maps, correlation_grid, resample
from plugins.dctrack.nonlocal_block import NonLocalBlock
from plugins.dctrack.priors import prior_channels

log = logging.getLogger(__name__)

NUM_COLORS = 16  # Lab clusters of the colorization target
TRUNK_PASS_PIXELS = 8 * 255 * 255  # input pixels per trunk pass when its batch norms are frozen (backbone_features)


def _adapter(cin: int, cout: int, kernel: int) -> nn.Module:
    """SiamFC++-style branch adapter: conv (no padding) + BN."""
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, bias=False), nn.BatchNorm2d(cout))


def resolve_weights_path(name: Optional[str], kind: str) -> Optional[Path]:
    """A weights file given as a path, or as a name under settings' pretrained_dir / workspace_dir."""
    if not name:
        return None
    path = Path(name).expanduser()
    if path.is_file():
        return path
    from settings import load_settings

    settings = load_settings()
    for folder in (settings.pretrained_dir, settings.workspace_dir):
        candidate = Path(folder) / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{kind} weights '{name}' not found (as a path, or under pretrained_dir "
                            f"{settings.pretrained_dir} or workspace_dir {settings.workspace_dir})")


class DCTrackNet(nn.Module):
    """Template + previous + current crop -> cls/ctr/ltrb maps with the warped previous prior fused in."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        channels, corr_channels = self._build_base(cfg)
        self.feat_channels = channels
        self._check_geometry()
        self.nonlocal_block = None
        if cfg.nonlocal_block:
            self.nonlocal_block = NonLocalBlock(channels if cfg.nonlocal_position == "before_xcorr" else corr_channels)
        self.prior_channels = prior_channels(cfg.prior_kind) + (2 if cfg.global_direction else 0)
        self.correspondence = None
        self.cls_fusion = self.reg_fusion = None
        if cfg.corr.enabled:
            self._build_prior_path(cfg, channels, corr_channels)

    def _build_base(self, cfg: ModelConfig) -> tuple[int, int]:
        """The SiamFC++-like base: backbone, [neck], cls/reg adapters, head, geometry; returns (feature channels,
        correlation channels)."""
        self.normalizer = ImageNormalizer()
        self.backbone = build_backbone(cfg.backbone)  # pretrained weights: load_pretrained_backbone (build_actor)
        channels = self.backbone.out_channels
        self.neck = nn.Identity()
        if cfg.neck_channels:
            self.neck = nn.Sequential(nn.Conv2d(channels, cfg.neck_channels, 1, bias=False), nn.BatchNorm2d(cfg.neck_channels))
            channels = cfg.neck_channels
        k, c = cfg.adapter_kernel, cfg.corr_channels
        self.cls_template, self.cls_search = _adapter(channels, c, k), _adapter(channels, c, k)
        self.reg_template, self.reg_search = _adapter(channels, c, k), _adapter(channels, c, k)
        self.head = SiamHead(c, channels=cfg.head_channels, num_convs=cfg.head_num_convs, kernel=cfg.head_kernel,
                             padding=cfg.head_padding, stride=self.backbone.stride, fast=cfg.head_fast)
        self.geometry = compute_geometry(self.backbone, cfg.template_size, cfg.search_size, head_convs=cfg.head_num_convs,
                                         head_kernel=cfg.head_kernel, head_padding=cfg.head_padding, context=cfg.context)
        self.corr_grid = correlation_grid(self.geometry.feature, self.geometry.template_feature_size)
        return channels, c

    def _check_geometry(self) -> None:
        if self.geometry.template_feature_size < getattr(self.cfg, "adapter_kernel", 1):
            raise ValueError(f"template features ({self.geometry.template_feature_size}) smaller than the adapter kernel "
                             f"({self.cfg.adapter_kernel}): raise model.template_size or set model.adapter_kernel=1")
        if self.geometry.score.size < 1:
            raise ValueError(f"score map is empty for search_size {self.cfg.search_size}: raise model.search_size")

    def _build_prior_path(self, cfg: ModelConfig, feat_channels: int, corr_channels: int) -> None:
        cc = cfg.corr
        self.correspondence = CorrespondenceModule(feat_channels, cc.embed_dim, cc.radius, cc.temperature,
                                                   cc.learn_temperature, cc.grayscale_input, cc.confidence)
        fusion_args = dict(feat_channels=corr_channels, prior_channels=self.prior_channels,
                           use_confidence=cfg.fusion.use_confidence,
                           coord_channels=cfg.fusion.coord_channels, se_gate=cfg.fusion.se_gate,
                           feature_input=cfg.fusion.feature_input, invalid_identity=cfg.fusion.invalid_identity)
        self.cls_fusion = PriorFusion(**fusion_args)
        # The colorization target's Lab palette, fitted once on the first training batch and kept with the weights.
        self.color_quantizer = LabQuantizer(NUM_COLORS)
        self._register_load_state_dict_pre_hook(_keep_default_palette)
        if cfg.fusion.placement == "both":
            self.reg_fusion = PriorFusion(**fusion_args)
        if cc.frozen:  # weights: build_actor loads cc.checkpoint for training; a tracking checkpoint holds them
            for p in self.correspondence.parameters():
                p.requires_grad_(False)

    def upgrade_state_dict(self, state: dict) -> dict:
        """Fill in what checkpoints of older code lack (the colorization palette); used by checkpoint loading."""
        _keep_default_palette(state, "")
        return state

    def load_pretrained_backbone(self, name: str) -> None:
        """Load backbone weights (a path, or a file name under settings' pretrained_dir)."""
        from ltr.models.backbones import load_pretrained

        load_pretrained(self.backbone, resolve_weights_path(name, "backbone"))

    def load_correspondence(self, checkpoint: str) -> None:
        """Load the correspondence module's weights from a (corr_pretrain) training checkpoint."""
        from common.checkpoint import load_checkpoint

        path = resolve_weights_path(checkpoint, "correspondence")
        state = load_checkpoint(path)["network"]
        sub = {k[len("correspondence."):]: v for k, v in state.items() if k.startswith("correspondence.")}
        if not sub:
            raise KeyError(f"{path}: the checkpoint has no 'correspondence.*' weights (not a dctrack corr_pretrain run?)")
        self.correspondence.load_state_dict(sub)
        log.info("loaded frozen correspondence weights from %s (%d tensors)", path, len(sub))

    def train(self, mode: bool = True) -> "DCTrackNet":
        """Train mode, keeping a frozen correspondence module in eval mode."""
        super().train(mode)
        if self.correspondence is not None and self.cfg.corr.frozen:
            self.correspondence.eval()
        return self

    @property
    def uses_prior(self) -> bool:
        """True when the network has the correspondence / prior path."""
        return self.correspondence is not None

    # ------------------------------------------------------------------ tracking API
    def template_kernels(self, template: torch.Tensor) -> dict:
        """Template crop (B,3,T,T, 0-255 RGB) -> {'cls', 'reg'} depth-wise correlation kernels."""
        feat = self.backbone_features(template)
        if self.nonlocal_block is not None and self.cfg.nonlocal_position == "before_xcorr":
            feat = self.nonlocal_block(feat)
        return {"cls": self.cls_template(feat), "reg": self.reg_template(feat)}

    def backbone_features(self, image: torch.Tensor) -> torch.Tensor:
        """Crop (B,3,H,W, 0-255 RGB) -> neck(backbone(normalised crop)); the only backbone call site.

        When no batch norm (or dropout) of the trunk is in training mode, each crop's features depend on that crop
        alone, and a batch (training: the current and previous crops together, the templates) runs channels-last
        in passes of at most ``TRUNK_PASS_PIXELS`` input pixels: the same numbers up to float rounding,
        faster on a CPU, where a smaller pass's activations stay in cache (docs/speed.md, Issue 19: 32 crops of 255
        through NanoTrack's frozen trunk in one pass 350-410 ms, in passes of 8 channels-last 180 ms). With batch
        statistics in training mode the batch stays whole (its crops share the statistics)."""
        chunk = max(1, TRUNK_PASS_PIXELS // (image.shape[-2] * image.shape[-1]))
        if image.shape[0] > 1 and not self._trunk_couples_batch():
            parts = [self._trunk(part.contiguous(memory_format=torch.channels_last)) for part in image.split(chunk)]
            return torch.cat(parts).contiguous()
        return self._trunk(image)

    def _trunk(self, image: torch.Tensor) -> torch.Tensor:
        return self.neck(self.backbone(self.normalizer(image)))

    def _trunk_couples_batch(self) -> bool:
        """True when a trunk layer mixes the crops of a batch (batch norm in training mode) or draws random numbers
        per batch (dropout in training mode)."""
        coupled = (nn.modules.batchnorm._BatchNorm, nn.modules.dropout._DropoutNd)
        return any(m.training and isinstance(m, coupled) for part in (self.normalizer, self.backbone, self.neck)
                   for m in part.modules())

    def fold_input_normalization(self) -> bool:
        """Inference only: fold the ImageNet normalisation into the backbone's first conv when that is exact
        (an unpadded conv, as AlexNet's); the normaliser becomes the identity. True when folded."""
        first = self.backbone.spatial_layers()[0]
        if not isinstance(self.normalizer, ImageNormalizer) or not isinstance(first, nn.Conv2d):
            return False
        if not fold_input_normalization(first, self.normalizer.mean, self.normalizer.std):
            return False
        self.normalizer = nn.Identity()
        return True

    def search_features(self, search: torch.Tensor) -> dict:
        """Search crop (B,3,S,S, 0-255 RGB) -> cache {'feat', 'embedding'} reused as the next frame's 'prev'."""
        feat = self.backbone_features(search)
        if self.nonlocal_block is not None and self.cfg.nonlocal_position == "before_xcorr":
            feat = self.nonlocal_block(feat)
        cache = {"feat": feat}
        if self.correspondence is not None:
            cache["embedding"] = self._embedding(search, feat)
        return cache

    def _embedding(self, search: torch.Tensor, feat: torch.Tensor) -> torch.Tensor:
        """Correspondence embedding of a crop (from its features, or its grayscale version's); no grad when frozen."""
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.cfg.corr.frozen):
            source = self.backbone_features(to_grayscale(search)) if self.cfg.corr.grayscale_input else feat
            return self.correspondence.embed(source)

    def grayscale_attention(self, search_cur: torch.Tensor, search_prev: torch.Tensor):
        """Attention between the grayscale versions of two crops (for the colorization loss: no colour cue)."""
        n = search_cur.shape[0]
        gray = self.backbone_features(to_grayscale(torch.cat([search_cur, search_prev], dim=0)))
        emb = self.correspondence.embed(gray)
        return self.correspondence.attend(emb[:n], emb[n:])

    def track_step(self, kernels: dict, cur: dict, prev: Optional[dict], prior: Optional[torch.Tensor],
                   prior_valid: Optional[torch.Tensor], appearance: bool = True) -> dict:
        """One frame: current/previous feature caches + prior of the previous crop -> output maps (see forward).

        The head runs once; 'cls_appearance' (the template-only score) costs only the classification tower
        again, and nothing when the head input is the plain correlation. ``appearance=False`` (the tracker
        without debug views) leaves it out where it would cost that extra tower.
        """
        cls_corr, reg_corr = self.correlate(kernels, cur["feat"])
        out: dict = {}
        cls_in, reg_in = cls_corr, reg_corr
        if self.correspondence is not None and prev is not None:
            cls_in, reg_in = self._fuse_prior(cls_corr, reg_corr, cur, prev, prior, prior_valid, out)
        if self.nonlocal_block is not None and self.cfg.nonlocal_position == "after_fusion":
            cls_in = self.nonlocal_block(cls_in)
        out["cls"], out["ctr"], out["box"] = self.predict(cls_in, reg_in)
        if cls_in is cls_corr:
            out["cls_appearance"] = out["cls"]
        elif appearance:
            out["cls_appearance"] = self.predict_cls(cls_corr)
        return out

    def correlate(self, kernels: dict, feat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Search features -> (cls, reg) correlation maps on ``corr_grid`` (where the prior is fused in)."""
        cls_corr = depthwise_xcorr(self.cls_search(feat), kernels["cls"])
        reg_corr = depthwise_xcorr(self.reg_search(feat), kernels["reg"])
        return cls_corr, reg_corr

    def predict(self, cls_in: torch.Tensor, reg_in: torch.Tensor):
        """Correlation maps -> (cls logits Bx1xSxS, centerness logits Bx1xSxS or None, l/t/r/b px Bx4xSxS)."""
        return self.head(cls_in, reg_in)

    def predict_cls(self, cls_in: torch.Tensor) -> torch.Tensor:
        """The classification logits alone (the template-only 'appearance' score of the plain correlation)."""
        return self.head.cls_pred(self.head.cls_tower(cls_in))

    def _fuse_prior(self, cls_corr, reg_corr, cur, prev, prior, prior_valid, out: dict):
        batch = cls_corr.shape[0]
        if prior is None:
            prior = cls_corr.new_zeros(batch, self.prior_channels - (2 if self.cfg.global_direction else 0),
                                       self.geometry.feature.size, self.geometry.feature.size)
        valid = _as_valid(prior_valid, batch, cls_corr)
        prior = prior * valid.view(-1, 1, 1, 1)
        attn = self.correspondence.attend(cur["embedding"], prev["embedding"])
        warped = self.correspondence.warp(attn, prior)
        if self.cfg.global_direction:
            direction = self.global_direction(attn, warped, valid)
            warped_all = torch.cat([warped, direction.expand(-1, -1, *warped.shape[-2:])], dim=1)
            out["global_direction"] = direction.flatten(1)
        else:
            warped_all = warped
        fg, cg = self.geometry.feature, self.corr_grid
        prior_corr = resample(warped_all * self.cfg.fusion.prior_scale, fg, cg)
        confidence = attn.confidence
        conf_corr = resample(confidence, fg, cg) if confidence is not None else None
        out.update(warped_prior=warped, confidence=confidence, attention=attn.weights, attention_obj=attn,
                   embeddings=(cur["embedding"], prev["embedding"]))
        cls_fused = self.cls_fusion(cls_corr, prior_corr, conf_corr, valid)
        reg_fused = self.reg_fusion(reg_corr, prior_corr, conf_corr, valid) if self.reg_fusion is not None else reg_corr
        return cls_fused, reg_fused

    def global_direction(self, attn, warped: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """(B,2,1,1): attention-weighted mean displacement of the target from the previous to the current crop.

        Each current cell's expected source position is the attention-warped coordinate map; the target's
        displacement is the current position minus that, averaged with the warped prior's mass as weight.
        In units of the search size; 0 where the prior is invalid.
        """
        coords = coordinate_maps(self.geometry.feature, float(self.geometry.search_size), warped)
        coords = coords.expand(warped.shape[0], -1, -1, -1)
        source = self.correspondence.warp(attn, coords)
        weight = warped.abs().sum(dim=1, keepdim=True)
        disp = ((coords - source) * weight).sum(dim=(2, 3)) / weight.sum(dim=(2, 3)).clamp_min(1e-6)
        return (disp * valid.view(-1, 1)).view(-1, 2, 1, 1)

    # ------------------------------------------------------------------ training forward
    def forward(self, batch: dict) -> dict:
        """Training forward on a batch (docs/developing.md keys) -> 'cls', 'ctr', 'box', 'cls_appearance', ..."""
        kernels = self.template_kernels(batch["template"])
        cur, prev = self._search_pair(batch["search_cur"], batch["search_prev"])
        prior = batch.get("prior") if self.uses_prior else None
        return self.track_step(kernels, cur, prev, prior, batch.get("prior_valid"))

    def _search_pair(self, search_cur: torch.Tensor, search_prev: torch.Tensor) -> tuple[dict, Optional[dict]]:
        """Features of the current and previous crops in one backbone pass (previous only when needed)."""
        if not self.uses_prior:
            return self.search_features(search_cur), None
        both = self.search_features(torch.cat([search_cur, search_prev], dim=0))
        n = search_cur.shape[0]
        cur = {k: v[:n] for k, v in both.items()}
        prev = {k: v[n:] for k, v in both.items()}
        return cur, prev


def _keep_default_palette(state_dict, prefix, *_args) -> None:
    """Checkpoints written before the palette was stored load with the default (unfitted) palette."""
    key = prefix + "color_quantizer."
    if any(k.startswith(key) for k in state_dict) or not any(k.startswith(prefix + "correspondence.") for k in state_dict):
        return
    default = LabQuantizer(NUM_COLORS)
    state_dict[key + "centers"] = default.centers
    state_dict[key + "fitted"] = default.fitted


def _as_valid(prior_valid, batch: int, like: torch.Tensor) -> torch.Tensor:
    """prior_valid as a float (B,) tensor (None = all valid)."""
    if prior_valid is None:
        return like.new_ones(batch)
    return torch.as_tensor(prior_valid, dtype=like.dtype, device=like.device).reshape(-1).expand(batch)
