"""The generic training engine: an actor (batch -> (loss, stats)), loaders and an optimiser config in,
checkpoints out. Multi-GPU via torchrun, mixed precision, exact resume, visdom/TensorBoard logging.

Entry point: ``python ltr/run_training.py <plugin> <setting>`` (see ``ltr.trainer.launch``).
"""
from ltr.trainer.trainer import Trainer, epoch_iterator

__all__ = ["Trainer", "epoch_iterator"]
