"""One profiled execution: the session that starts and stops every lens around the code.

`wiring` chooses the collectors a plan asks for, `hooks` proves the interpreter's hooks
are left as found, `unfinished` spots a result whose work did not run.
"""

from __future__ import annotations

from workbench.session.session import ProfileSession

__all__ = ["ProfileSession"]
