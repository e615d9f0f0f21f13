"""A small visdom wrapper for live debugging (tracking and training) that never stops the caller.

``VisdomClient(host, port, env)`` connects when a server answers; otherwise it logs ONE warning and every
method becomes a no-op. A server that dies mid-run degrades the same way (one warning, then no-ops).

    viz = VisdomClient("127.0.0.1", 8097, env="debug")
    viz.image("frame", rgb_uint8, "frame 12")
    viz.heatmap("score", score_map, "score")
    viz.line("loss", x=epoch, ys={"train": 0.3, "val": 0.4}, title="loss")
    viz.text("status", "<b>paused</b>")
    viz.on_key("status", handler)        # handler(key: str) on key presses in that window
"""
from __future__ import annotations

import logging
import socket
from typing import Callable, Optional

import numpy as np

from settings import load_settings

log = logging.getLogger(__name__)


def server_reachable(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections at host:port."""
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except OSError:
        return False


class VisdomClient:
    """Visdom windows by name; silently inactive when no server is reachable."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8097, env: str = "main", events: bool = True) -> None:
        self.host, self.port, self.env = host, int(port), env
        self._viz = None
        self._warned = False
        self._line_wins: set = set()
        if not server_reachable(host, self.port):
            self._degrade(f"no visdom server at {host}:{self.port} "
                          f"(start one with `python -m pytracking.debug.visdom_server`)")
            return
        try:
            import visdom

            self._viz = visdom.Visdom(server=f"http://{host}", port=self.port, env=env, raise_exceptions=True,
                                      use_incoming_socket=events)
        except (ImportError, ConnectionError, OSError) as exc:
            self._degrade(f"cannot connect to visdom at {host}:{self.port} ({exc})")

    @property
    def available(self) -> bool:
        """True while a server is connected."""
        return self._viz is not None

    @property
    def raw(self):
        """The underlying ``visdom.Visdom`` (None when unavailable)."""
        return self._viz

    def _degrade(self, reason: str) -> None:
        if not self._warned:
            log.warning("visdom debug output disabled: %s; tracking goes on without it", reason)
            self._warned = True
        if self._viz is not None:
            self._viz.use_socket = False  # stops the event socket's reconnect loop
            logging.getLogger("visdom").setLevel(logging.CRITICAL)
            logging.getLogger("websocket").setLevel(logging.CRITICAL)
        self._viz = None

    def _call(self, method: str, *args, **kwargs):
        if self._viz is None:
            return None
        try:
            return getattr(self._viz, method)(*args, **kwargs)
        except (ConnectionError, OSError) as exc:
            self._degrade(f"lost the visdom server at {self.host}:{self.port} ({exc})")
            return None

    def image(self, win: str, rgb: np.ndarray, title: str = "", width: Optional[int] = None,
              caption: Optional[str] = None) -> None:
        """Show an RGB uint8 HxWx3 (or HxW) image; ``width`` sets the panel's width in pixels (aspect kept)."""
        arr = np.asarray(rgb)
        opts = {"title": title or win, "caption": caption or title or win}
        if width:
            opts.update(width=int(width), height=int(round(width * arr.shape[0] / max(1, arr.shape[1]))))
        arr = arr.transpose(2, 0, 1) if arr.ndim == 3 else arr
        self._call("image", arr, win=win, opts=opts)

    def heatmap(self, win: str, arr: np.ndarray, title: str = "") -> None:
        """Show a 2-D array as a heatmap (row 0 at the top)."""
        data = np.asarray(arr, dtype=np.float64)
        data = data.reshape(data.shape[-2:]) if data.ndim > 2 and np.prod(data.shape[:-2]) == 1 else data
        if data.ndim != 2:
            raise ValueError(f"heatmap '{win}' needs a 2-D array, got shape {data.shape}")
        data = np.nan_to_num(data)[::-1]  # visdom (plotly) draws row 0 at the bottom: flipped, row 0 is on top
        self._call("heatmap", data, win=win, opts={"title": title or win})

    def line(self, win: str, x: float, ys: dict, title: str = "") -> None:
        """Append one point per named curve at ``x`` (creates the window on first use)."""
        for name, y in ys.items():
            update = "append" if win in self._line_wins else None
            self._call("line", X=np.array([float(x)]), Y=np.array([float(y)]), win=win, name=str(name),
                       update=update, opts={"title": title or win, "showlegend": True})
            self._line_wins.add(win)

    def text(self, win: str, html: str) -> None:
        """Show (replace) an HTML text window."""
        self._call("text", html, win=win, opts={"title": win})

    def win_exists(self, win: str) -> bool:
        """True when window ``win`` exists on the server."""
        return bool(self._call("win_exists", win))

    def on_key(self, win: str, handler: Callable[[str], None]) -> bool:
        """Call ``handler(key)`` on key presses in window ``win``; False when events are unavailable."""
        if self._viz is None or not getattr(self._viz, "use_socket", False):
            return False

        def _handle(event: dict) -> None:
            if event.get("event_type") == "KeyPress":
                handler(str(event.get("key", "")))

        self._viz.register_event_handler(_handle, win)
        return True


def client_from_settings(env: str = "debug", events: bool = True) -> VisdomClient:
    """A client for the server named in settings (``visdom_host``, ``visdom_port``)."""
    cfg = load_settings()
    return VisdomClient(getattr(cfg, "visdom_host", "127.0.0.1"), getattr(cfg, "visdom_port", 8097), env, events)


__all__ = ["VisdomClient", "client_from_settings", "server_reachable"]
