"""Run flake8 as a flake8-async user has it: without asynclint's own DJA plugin.

flake8 runs every installed plugin on every file whatever ``--select`` says
(selection only filters the output), and asynclint is installed in this
environment as a flake8 plugin. Timing ``flake8 --select ASYNC`` here would time
asynclint too; this wrapper hides asynclint's entry point and runs flake8.
"""

from __future__ import annotations

import sys

from flake8.main.cli import main
from flake8.plugins import finder

_find = finder._find_importlib_plugins


def _without_asynclint():
    for plugin in _find():
        if plugin.package != "asynclint":
            yield plugin


finder._find_importlib_plugins = _without_asynclint

if __name__ == "__main__":
    sys.exit(main())
