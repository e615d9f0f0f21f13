"""Training data: sampler (which frames), processing helpers (jitter, degenerate boxes, tensors), SiamFC++ targets,
augmentation, loader, tools. The processing itself (crops -> sample) is the plugin's (``PluginSpec.build_processing``).

Entry points: ``ltr.data.loader.build_loader(cfg, geometry, split)``; ``python -m ltr.data {verify,show,bench}``.
"""
