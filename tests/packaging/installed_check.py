"""Run by a fresh venv's Python with the built wheel installed (not by pytest): uses the
installed workbench as a user would and writes what it saw, as one JSON object, into
the file its argument names.

The API's profile (its RSS timeline comes from the sampler's child process), the magic in
an IPython shell (saving with -s), the snakeviz server and the demo API (child processes
started with `python -m workbench...`), and the package's data files.
"""

from __future__ import annotations

import importlib.resources
import json
import sys
import sysconfig
import tempfile
import urllib.request
from pathlib import Path

import workbench
from workbench.demo.api import DemoAPI

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only


def pipeline(n: int) -> list[str]:
    return sorted(str(i) for i in range(n))


def main() -> None:
    facts: dict[str, object] = {
        "workbench": workbench.__file__,
        "site_packages": sysconfig.get_paths()["purelib"],
        "version": workbench.__version__,
        "py_typed": (importlib.resources.files("workbench") / "py.typed").is_file(),
    }
    report = workbench.profile(pipeline, 50_000)
    facts["api_functions"] = sorted(set(report.functions["function"]))
    facts["api_rss_samples"] = len(report.timeline)
    css = (importlib.resources.files("workbench.render") / "report.css").read_text()
    facts["page_has_the_css"] = bool(css.strip()) and css in report.to_html()

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "workbench")
    shell.run_cell("def pipeline(n):\n    return sorted(str(i) for i in range(n))\n")
    saved = Path(tempfile.mkdtemp()) / "magic"
    result = shell.run_cell(f"%architect_profile -q -o rep -s {saved} pipeline(20_000)")
    facts["magic_ran"] = result.success
    facts["magic_label"] = shell.user_ns["rep"].summary.label
    facts["magic_saved"] = sorted(p.name for p in saved.iterdir())

    view = report.snakeviz()
    facts["snakeviz_error"] = view.error
    if view.url is not None:
        with OPENER.open(view.url, timeout=30) as page:
            facts["snakeviz_page"] = page.status, "snakeviz" in page.read().decode().lower()

    with DemoAPI(latency=0.0, fail_every=0) as api, OPENER.open(f"{api.url}/records/3") as answer:
        facts["demo_api_record"] = json.loads(answer.read())["id"]
    facts["servers_stopped"] = workbench.stop_servers()
    Path(sys.argv[1]).write_text(json.dumps(facts))


if __name__ == "__main__":
    main()
