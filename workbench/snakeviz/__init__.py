"""snakeviz for the workbench's profiles: `show(report)` in a notebook, served safely.

`show` publishes a report's profile to this process's snakeviz server (`server`: one per
kernel, on 127.0.0.1, behind a token, stopped by `stop_servers()` or at exit), whose
child process (`child`) serves nothing but those profiles, and returns a `SnakevizView`
(`view`): snakeviz's page in an iframe, the URL in a terminal.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from workbench.errors import OptionError, ServerError, quoted
from workbench.report.exports import prof
from workbench.snakeviz.server import snakeviz_server, stop_servers
from workbench.snakeviz.view import SnakevizView

if TYPE_CHECKING:  # Report.snakeviz() calls in here; only the type is imported
    from workbench.report.report import Report

__all__ = ["SnakevizView", "show", "stop_servers"]

log = logging.getLogger(__name__)


def show(report: Report, *, height: int = 700) -> SnakevizView:
    """Show `report`'s profile in snakeviz, served by this process on 127.0.0.1.

    Publishes the profile to the snakeviz server, which starts on first use (a free
    loopback port, waited for until it answers) and runs until `stop_servers()` or
    process exit. Only the profiles written for this purpose are served.

    Parameters:
        report: the report whose cProfile data snakeviz shows (cells named as the
            report names them, as in the saved profile.prof).
        height: the iframe's height in CSS pixels.

    Returns:
        The view; its `error` is set (and a warning logged) when no server could start.

    Raises:
        OptionError: a bad height.
    """
    if not isinstance(height, int) or height < 100:
        raise OptionError(f"height={quoted(height)}: use a whole number of pixels, at least 100")
    label = report.summary.label
    try:
        url = snakeviz_server().publish(prof(report))
    except ServerError as error:
        log.warning("snakeviz could not start: %s", error)
        return SnakevizView(label, None, str(error), height, report)
    return SnakevizView(label, url, None, height, report)
