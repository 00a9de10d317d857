"""Keep torch out of processes that do not use it.

thinc (spaCy's ML library) probes for torch when it is imported: with the `transformer` extra installed, every
`import spacy` then loads torch (seconds, hundreds of MB) although the rules and the spaCy NER never use it. The
finder installed here makes that one probe fail (thinc then runs without its PyTorch wrappers, as it does when
torch is absent); torch is loaded for real when the transformer extractor imports it. Set NIANBAO_THINC_TORCH=1 to
let thinc see torch (needed only by thinc's own PyTorch layers, which nianbao does not use).
"""

from __future__ import annotations

import os
import sys
from importlib.abc import MetaPathFinder

PROBING_MODULES = {"thinc.compat"}


class ThincTorchProbe(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "torch" and _imported_from(PROBING_MODULES):
            raise ImportError(f"{name} is not offered to thinc (service/torch_guard.py)")
        return None  # noqa: RET501, PLR1711  (the finder protocol: None means "not mine")


def _imported_from(modules: set[str]) -> bool:
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_globals.get("__name__") in modules:
            return True
        frame = frame.f_back
    return False


def install() -> None:
    if os.environ.get("NIANBAO_THINC_TORCH") != "1" and not any(isinstance(f, ThincTorchProbe) for f in sys.meta_path):
        sys.meta_path.insert(0, ThincTorchProbe())
