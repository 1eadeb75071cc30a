"""What one run measured, as data: the Report, its Summary and tables, saved and loaded.

`assemble` builds a Report from the collectors of a stopped run; `storage` writes and
reads its files; `schema` and `tables` give every table its columns.
"""

from __future__ import annotations

from workbench.report.report import Report
from workbench.report.summary import Summary

__all__ = ["Report", "Summary"]
