"""Plain-text tables of tracker reports (overall, per sequence, per attribute) and their JSON form."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from pytracking.analysis.evaluate import METRIC_KEYS


def _fmt(mean: float, std: float, runs: int, digits: int = 3) -> str:
    if math.isnan(mean):
        return "-"
    text = f"{mean:.{digits}f}"
    return f"{text}±{std:.{digits}f}" if runs > 1 else text


def render_table(header: list, rows: list) -> str:
    """Left-aligned first column, right-aligned others, a dashed rule under the header."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in rows])


def overall_table(reports: list) -> str:
    """One row per tracker: AUC, P@20, NP, AO, SR0.5, SR0.75, FPS (mean±std over run ids)."""
    header = ["tracker", "runs", "seqs"] + list(METRIC_KEYS) + ["FPS"]
    rows = []
    for rep in sorted(reports, key=lambda r: -r.numbers()["AUC"][0]):
        nums = rep.numbers()
        seqs = max((r.overall.num_sequences for r in rep.runs if r.overall is not None), default=0)
        rows.append([rep.name, len(rep.runs), seqs] + [_fmt(*nums[k], len(rep.runs)) for k in METRIC_KEYS]
                    + [_fmt(*nums["FPS"], len(rep.runs), digits=1)])
    return render_table(header, rows)


def sequence_table(reports: list) -> str:
    """One row per sequence, AUC and P@20 of every tracker (averaged over run ids)."""
    per = {rep.name: rep.per_sequence() for rep in reports}
    names = sorted({n for table in per.values() for n in table}, key=str.lower)
    header = ["sequence"] + [f"{rep.name} {k}" for rep in reports for k in ("AUC", "P")]
    rows = []
    for name in names:
        row = [name]
        for rep in reports:
            cell = per[rep.name].get(name)
            row += [f"{cell['AUC']:.3f}", f"{cell['P']:.3f}"] if cell else ["-", "-"]
        rows.append(row)
    return render_table(header, rows)


def attribute_table(reports: list) -> str:
    """One row per attribute (with its sequence count), AUC of every tracker; empty when there are none."""
    per = {rep.name: rep.per_attribute() for rep in reports}
    attrs = sorted({a for table in per.values() for a in table})
    if not attrs:
        return ""
    header = ["attribute", "seqs"] + [f"{rep.name} AUC" for rep in reports]
    rows = []
    for attr in attrs:
        count = next(table[attr]["sequences"] for table in per.values() if attr in table)
        rows.append([attr, count] + [f"{per[r.name][attr]['AUC']:.3f}" if attr in per[r.name] else "-"
                                     for r in reports])
    return render_table(header, rows)


def json_ready(value: Any) -> Any:
    """``value`` with non-finite floats (NaN, inf) as None and numpy data as Python data: strict JSON."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def report_dict(reports: list, preset, dataset: str) -> dict:
    """Everything printed, as JSON-able data."""
    out = {"dataset": dataset, "preset": preset.name, "preset_rules": preset.summary(), "trackers": {}}
    for rep in reports:
        curves = rep.curves()
        out["trackers"][rep.name] = {
            "runs": [str(r.folder) for r in rep.runs],
            "overall": {k: {"mean": m, "std": s} for k, (m, s) in rep.numbers().items()},
            "per_sequence": rep.per_sequence(), "per_attribute": rep.per_attribute(),
            "missing": sorted({n for r in rep.runs for n in r.missing}),
            "curves": {k: v.tolist() for k, v in curves.items()},
            "thresholds": {"success": list(preset.iou_thresholds), "precision": list(preset.precision_thresholds),
                           "norm_precision": list(preset.norm_precision_thresholds)},
        }
    return out


__all__ = ["render_table", "overall_table", "sequence_table", "attribute_table", "report_dict", "json_ready"]
