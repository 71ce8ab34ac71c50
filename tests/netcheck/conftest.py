"""Keep Hypothesis' example database and caches out of the repository (tests never write there)."""

from __future__ import annotations

import atexit
import shutil
import tempfile

from hypothesis import configuration

_HOME = tempfile.mkdtemp(prefix="cdeops-netcheck-hypothesis-")
atexit.register(shutil.rmtree, _HOME, True)
configuration.set_hypothesis_home_dir(_HOME)
