"""Users' own rules: Python files that call :func:`creditlab.rules.register`.

``creditlab --plugin my_rules.py COMMAND ...`` runs each such file once, before the
command, so its rules can be named wherever a built-in rule can (``--rule``,
``--rules``); commands that run work elsewhere (Ray workers) run the same files there
first. A plugin is code the user chose to run, like any script: it is executed, never
unpickled, and a file that is missing or fails says which file and why.
"""

from __future__ import annotations

import runpy
from collections.abc import Iterable
from pathlib import Path

_LOADED: set[str] = set()


class PluginError(ValueError):
    """A plugin file that does not exist, is not a .py file, or raised while running."""


def load_plugins(paths: Iterable[str | Path]) -> tuple[str, ...]:
    """Run each file once per process; returns their absolute paths (for workers)."""
    loaded = []
    for given in paths:
        path = Path(given).expanduser().resolve()
        if not path.is_file() or path.suffix != ".py":
            raise PluginError(f"plugin {given}: not a Python (.py) file")
        if str(path) not in _LOADED:
            try:
                runpy.run_path(str(path), run_name=f"creditlab_plugin_{path.stem}")
            except Exception as error:
                why = f"{type(error).__name__}: {error}"
                raise PluginError(f"plugin {given} failed: {why}") from error
            _LOADED.add(str(path))
        loaded.append(str(path))
    return tuple(loaded)
