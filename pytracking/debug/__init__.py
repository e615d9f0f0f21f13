"""Live debugging of a tracking run in visdom (``run_tracker.py --debug N``); see ``visdom_view``."""
from pytracking.debug.visdom_view import DebugView, make_debug_view

__all__ = ["DebugView", "make_debug_view"]
