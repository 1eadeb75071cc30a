"""What every workbench magics class shares: the shell it runs in."""

from __future__ import annotations

from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.magic import Magics

__all__ = ["ShellMagics"]


class ShellMagics(Magics):
    """A `Magics` whose `_ip` is the running shell (or a UsageError outside one)."""

    @property
    def _ip(self) -> InteractiveShell:
        if self.shell is None:
            raise UsageError("the workbench magics need a running IPython shell")
        return self.shell
