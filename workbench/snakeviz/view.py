"""What `workbench.snakeviz.show` returns: snakeviz's page in an iframe, or its URL as text.

When the server could not start, the view says why and shows the report's static HTML
instead, so the cell still shows the profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.render.escape import escape_html, escape_url

if TYPE_CHECKING:  # the view shows a Report; only its type is imported
    from workbench.report.report import Report


__all__ = ["SnakevizView"]

_STOPS = "it runs until workbench.stop_servers() or until this kernel/process exits"


@dataclass(frozen=True)
class SnakevizView:
    """What `Report.snakeviz()` returns.

    Attributes:
        label: what the profiled run was.
        url: snakeviz's page for the profile (loopback); None when no server could start.
        error: why no server could start; None when `url` is set.
        height: the iframe's height in CSS pixels.
        report: the report, for the static view shown when there is no server.
    """

    label: str
    url: str | None
    error: str | None
    height: int
    report: Report = field(repr=False)

    def to_text(self) -> str:
        """The URL to open (or why there is none), for terminals."""
        if self.url is None:
            return f"snakeviz could not start: {self.error}"
        return f"snakeviz view of {self.label}: {self.url}\n({_STOPS})"

    def _repr_html_(self) -> str:
        if self.url is None:
            why = escape_html(str(self.error))
            return (
                '<div class="awb-report"><p class="awb-warn">snakeviz could not start: '
                f"{why}. The static view follows; <code>report.save(folder)</code> writes "
                "a profile.prof that <code>snakeviz</code> opens.</p></div>" + self.report.to_html()
            )
        url = escape_url(self.url)
        return (
            f'<div class="awb-report awb-snakeviz"><p>snakeviz view of '
            f"<code>{escape_html(self.label)}</code>, served by this kernel on 127.0.0.1 "
            f'(<a href="{url}" target="_blank" rel="noopener">open in a tab</a>); '
            f"{_STOPS}. The view needs a browser on the kernel's machine; if the frame "
            "stays empty, run <code>report.snakeviz()</code> again.</p>"
            f'<iframe src="{url}" title="snakeviz" '
            f'style="width:100%;height:{self.height}px;border:1px solid #d0d7de">'
            "</iframe></div>"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.to_text())

    def __str__(self) -> str:
        return self.to_text()
