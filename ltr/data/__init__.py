"""Training data: sampler (which frames), processing (crops, prior, targets), targets, augmentation, loader, tools.

Entry points: ``ltr.data.loader.build_loader(cfg, geometry, split)``; ``python -m ltr.data {verify,show,bench}``.
"""
