"""Success and precision plots (matplotlib Agg), saved as PNG and PDF with the score in the legend."""
from __future__ import annotations

import io
import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from common.atomic import atomic_write_bytes  # noqa: E402

log = logging.getLogger(__name__)

_STYLES = ["-", "--", "-.", ":"]


def _save(fig, base: Path) -> list[Path]:
    out = []
    for ext in ("png", "pdf"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, dpi=150 if ext == "png" else None, bbox_inches="tight")
        path = base.with_suffix(f".{ext}")
        atomic_write_bytes(path, buffer.getvalue())
        out.append(path)
    plt.close(fig)
    return out


def curve_plot(entries: list, thresholds, title: str, xlabel: str, ylabel: str, base: Path,
               legend_loc: str = "lower left") -> list[Path]:
    """``entries`` = [(name, curve, score)], legend sorted by score, colours fixed by entry order (the same
    tracker has the same colour in every plot); writes ``base``.png and .pdf."""
    fig, ax = plt.subplots(figsize=(6, 5))
    x = np.asarray(thresholds, dtype=np.float64)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    order = sorted(range(len(entries)), key=lambda i: -entries[i][2])
    for i in order:
        name, curve, score = entries[i]
        ax.plot(x, curve, _STYLES[(i // len(colors)) % len(_STYLES)], color=colors[i % len(colors)], linewidth=2,
                label=f"{name} [{score:.3f}]")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, xlim=(x[0], x[-1]), ylim=(0, 1.02))
    ax.grid(True, linestyle=":")
    ax.legend(loc=legend_loc, fontsize=9)
    return _save(fig, base)


def report_plots(reports: list, preset, dataset: str, out_dir: Path) -> list[Path]:
    """Success (AUC), precision (P@threshold) and, when reported, normalised precision plots of ``reports``."""
    out_dir = Path(out_dir)
    curves = {rep.name: rep.curves() for rep in reports}
    nums = {rep.name: rep.numbers() for rep in reports}
    p_idx = int(np.argmin(np.abs(np.asarray(preset.precision_thresholds) - preset.precision_at)))
    np_idx = int(np.argmin(np.abs(np.asarray(preset.norm_precision_thresholds) - preset.norm_precision_at)))
    title = f"{dataset} ({preset.name} protocol)"
    paths = curve_plot([(n, c["success_curve"], nums[n]["AUC"][0]) for n, c in curves.items()], preset.iou_thresholds,
                       f"Success plot: {title}", "Overlap threshold", "Success rate [AUC in legend]",
                       out_dir / "success")
    paths += curve_plot([(n, c["precision_curve"], c["precision_curve"][p_idx]) for n, c in curves.items()],
                        preset.precision_thresholds, f"Precision plot: {title}", "Location error threshold (pixels)",
                        f"Precision [at {preset.precision_at:g} px in legend]", out_dir / "precision",
                        legend_loc="lower right")
    paths += curve_plot([(n, c["norm_precision_curve"], c["norm_precision_curve"][np_idx]) for n, c in curves.items()],
                        preset.norm_precision_thresholds, f"Normalized precision plot: {title}",
                        "Normalized location error threshold", f"Normalized precision [at {preset.norm_precision_at:g}]",
                        out_dir / "norm_precision", legend_loc="lower right")
    return paths


__all__ = ["curve_plot", "report_plots"]
