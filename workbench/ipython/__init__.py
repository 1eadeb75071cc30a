"""The IPython adapter: `%load_ext workbench` registers the magics.

Only this package imports IPython.
"""

from __future__ import annotations

from IPython.core.interactiveshell import InteractiveShell

from workbench.ipython.magics import WorkbenchMagics

__all__ = ["WorkbenchMagics", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """Register `%architect_profile` and `%%architect_profile` on `ipython`."""
    ipython.register_magics(WorkbenchMagics)


def unload_ipython_extension(ipython: InteractiveShell) -> None:
    """Nothing to undo: the magics hold no state between runs."""
