"""The IPython adapter: `%load_ext workbench` registers the magics.

Only this package imports IPython.
"""

from __future__ import annotations

from IPython.core.interactiveshell import InteractiveShell

from workbench.ipython import awaiting
from workbench.ipython.magics import WorkbenchMagics, split_line

__all__ = ["WorkbenchMagics", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """Register `%architect_profile` and `%%architect_profile` on `ipython`.

    Also installs the input transformer that sends magic code with top-level `await` to
    the async twin of the magic (see `workbench.ipython.awaiting`).
    """
    ipython.register_magics(WorkbenchMagics)
    awaiting.install(ipython, split_line)


def unload_ipython_extension(ipython: InteractiveShell) -> None:
    """Remove the input transformer (the magics hold no state between runs)."""
    awaiting.uninstall(ipython)
