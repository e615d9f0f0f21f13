"""A plugin's peer (``PluginSpec.peer_tracker``): an outside implementation of the same tracker, timed in the same
run as the plugin's own tracker (interleaved, same frames) so the two tracker steps compare directly."""
from __future__ import annotations

import logging
from typing import Any, Optional

from common.plugins import get_plugin
from pytracking.speed.subjects import Subject

log = logging.getLogger(__name__)


def peer_subject(main: Subject) -> Optional[Subject]:
    """The peer of ``main``'s plugin built from ``main``'s parameters, or None (no peer declared, or it cannot be
    built here: logged)."""
    make = get_plugin(main.plugin).peer_tracker if main.plugin else None
    if make is None:
        return None
    try:
        tracker = make(getattr(main.tracker, "params", None))
    except (FileNotFoundError, ImportError, OSError) as exc:
        log.warning("the peer of %s is not timed: %s", main.plugin, exc)
        return None
    return Subject(f"peer {tracker.name}", tracker, "peer's own")


def peer_summary(subject: Subject, peer: dict, main: dict) -> dict:
    """The peer's medians and the plugin's speed relative to it (> 1: the plugin is faster)."""
    out: dict[str, Any] = {"label": subject.label}
    for key in ("tracker_step", "end_to_end"):
        out[f"{key}_ms"] = peer[key]["median"] if peer.get(key) else None
        if peer.get(key) and main.get(key):
            out[f"{key}_speedup"] = peer[key]["median"] / main[key]["median"]
            out[f"{key}_min_ms"] = peer[key]["min"]
            out[f"{key}_speedup_of_min"] = peer[key]["min"] / main[key]["min"]
    return out


def peer_lines(peer: Optional[dict]) -> list[str]:
    """Report lines of a ``peer_summary`` (none without a peer)."""
    if not peer:
        return []
    lines = []
    for key, label in (("tracker_step", "tracker step"), ("end_to_end", "end to end (decode)")):
        ms = peer.get(f"{key}_ms")
        if ms:
            fastest = peer.get(f"{key}_speedup_of_min")
            lines.append(f"{peer['label']}: {label} {ms:.2f} ms ({1000.0 / ms:.1f} FPS); this tracker is "
                         f"{peer[f'{key}_speedup']:.2f}x its speed"
                         + (f" (fastest runs: {fastest:.2f}x)" if fastest else ""))
    return lines
