"""Mixed precision: bf16 autocast on CPU or CUDA, fp16 autocast with a gradient scaler on CUDA only."""
from __future__ import annotations

import contextlib
from typing import Optional

import torch

from common.config import ConfigError


class Precision:
    """Autocast context and optional GradScaler for ``amp`` in none | bf16 | fp16 on ``device``."""

    def __init__(self, amp: str, device: str):
        self.device_type = "cuda" if device.startswith("cuda") else "cpu"
        if amp == "fp16" and self.device_type != "cuda":
            raise ConfigError("optim.amp: fp16 needs a CUDA GPU (its gradient scaler is CUDA only); "
                              "use optim.amp=bf16 or none on CPU")
        self.amp = amp
        self.dtype: Optional[torch.dtype] = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(amp)
        self.scaler = torch.amp.GradScaler("cuda") if amp == "fp16" else None

    def autocast(self):
        """Context for the forward pass."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device_type, dtype=self.dtype)

    def backward(self, loss: torch.Tensor) -> None:
        """Backward, scaled when fp16."""
        (self.scaler.scale(loss) if self.scaler is not None else loss).backward()

    def unscale(self, optimizer: torch.optim.Optimizer) -> None:
        """Unscale gradients before clipping (fp16 only)."""
        if self.scaler is not None:
            self.scaler.unscale_(optimizer)

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        """Optimiser step (skipped by the scaler on inf/NaN gradients in fp16)."""
        if self.scaler is not None:
            self.scaler.step(optimizer)
            self.scaler.update()
        else:
            optimizer.step()

    def state_dict(self) -> Optional[dict]:
        return self.scaler.state_dict() if self.scaler is not None else None

    def load_state_dict(self, state: Optional[dict]) -> None:
        if self.scaler is not None and state:
            self.scaler.load_state_dict(state)
