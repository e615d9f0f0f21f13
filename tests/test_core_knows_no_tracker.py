"""The core (``common``, ``settings``, ``ltr``, ``pytracking``) names no tracker and knows none of a tracker's ideas:
each plugin keeps its concepts in its own folder. This test lists every core module and fails on a dctrack-only
name; a new plugin's concepts belong in the list too when the core should not learn them."""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORE = ("common", "settings", "ltr", "pytracking")

# dctrack's concepts: its previous-frame prior, the warp of it, the search pair, the self-supervised correspondence
# terms, its fusion / non-local modules, the appearance-only score and its network API. Word-bounded so that
# generic words stay usable ("a priori" is not one of them; CLS_PRIOR_PROB, the focal-loss prior probability
# of every detection head, is not matched because the pattern needs a word start or an underscore before "prior"
# and a word end after it).
DCTRACK_ONLY = re.compile(
    r"\bprior|_prior\b|warped[ _]prior|search_prev|search_cur_clean|colori[sz]ation|\bcycle\b|correspondence"
    r"|non[_-]?local|\bfusion\b|_fusion\b|appearance|track_step|template_kernels|search_features|plugins\.dctrack",
    re.IGNORECASE)


def core_modules() -> list[Path]:
    """Every Python file of the core."""
    return sorted(p for root in CORE for p in (REPO / root).rglob("*.py"))


def test_the_core_has_modules_to_check():
    names = {p.relative_to(REPO).as_posix() for p in core_modules()}
    assert {"ltr/data/loader.py", "pytracking/benchmark.py", "common/plugins.py"} <= names


def test_no_core_module_names_a_dctrack_concept():
    hits = [f"{p.relative_to(REPO)}:{i}: {line.strip()}" for p in core_modules()
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if DCTRACK_ONLY.search(line)]
    assert hits == [], "\n".join(hits)


def test_the_pattern_catches_what_it_should():
    for text in ("batch['prior']", "cur_prior", "out['warped_prior']", "search_prev", "ColorizationLoss",
                 "cycle consistency", "CorrespondenceModule", "NonLocalBlock", "cls_appearance", "net.track_step(",
                 "from plugins.dctrack.priors import render_prior"):
        assert DCTRACK_ONLY.search(text), text
    for text in ("CLS_PRIOR_PROB", "prop_cycle", "the texture is warped to the box", "bicycle"):
        assert not DCTRACK_ONLY.search(text), text
