"""The IPython adapter: `%load_ext workbench` registers the magics.

Only this package imports IPython.
"""

from __future__ import annotations

from IPython.core.interactiveshell import InteractiveShell

from workbench.ipython import awaiting
from workbench.ipython.compare_magic import CompareMagics
from workbench.ipython.magics import WorkbenchMagics, split_line

__all__ = [
    "CompareMagics",
    "WorkbenchMagics",
    "load_ipython_extension",
    "unload_ipython_extension",
]


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """Register `%architect_profile`, `%%architect_profile` and `%architect_compare`.

    Also installs the input transformer that sends magic code with top-level `await` to
    the async twin of the magic (see `workbench.ipython.awaiting`).
    """
    ipython.register_magics(WorkbenchMagics)
    compare = CompareMagics(ipython)
    ipython.register_magics(compare)
    awaiting.install(ipython, split_line, compare.needs_await)


def unload_ipython_extension(ipython: InteractiveShell) -> None:
    """Remove the input transformer (the magics hold no state between runs)."""
    awaiting.uninstall(ipython)
