"""snakeviz served by the workbench: loopback only, our files only, stopped when asked.

Every test talks HTTP to a real snakeviz child process (tests/kernel checks that a
kernel's shutdown, graceful or a SIGKILL, leaves no server behind).
"""

from __future__ import annotations

import json
import marshal
import os
import re
import signal
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import psutil
import pytest

import workbench
import workbench.snakeviz.server as servers
from tests.helpers import get, gone
from tests.workloads import parse, pipeline
from workbench.render.escape import escape_html
from workbench.snakeviz import SnakevizView
from workbench.snakeviz.child import allowed_profile
from workbench.snakeviz.page import InvalidProfile, load_stats, page_arguments, snakeviz_name

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"


def test_view_serves_the_profile_on_loopback(stopped: None) -> None:
    report = workbench.profile(pipeline, 2000)
    view = report.snakeviz(height=500)
    assert view.error is None
    assert view.url is not None
    assert view.url.startswith("http://127.0.0.1:")
    status, page = get(view.url)
    assert status == 200
    # snakeviz's page carries the profile's functions as JSON for its sunburst/table
    assert '"score"' in page or "score" in page
    assert "parse" in page
    html = view._repr_html_()
    assert f'<iframe src="{view.url}"' in html
    assert "height:500px" in html
    assert view.url in view.to_text()
    server = servers._server
    assert server is not None
    connections = psutil.Process(server.pid).net_connections(kind="inet")
    listening = [c.laddr for c in connections if c.status == psutil.CONN_LISTEN]
    assert [a.ip for a in listening] == ["127.0.0.1"]


def test_one_server_one_file_per_profile(stopped: None) -> None:
    first, second = workbench.profile(parse, 100), workbench.profile(parse, 200)
    a, again, b = first.snakeviz(), first.snakeviz(), second.snakeviz()
    assert a.url == again.url
    assert a.url != b.url
    assert a.url is not None
    assert b.url is not None
    assert a.url.rsplit("/", 2)[0] == b.url.rsplit("/", 2)[0]  # same server and token
    server = servers._server
    assert server is not None
    assert sorted(p.suffix for p in server.folder.iterdir() if not p.name.startswith(".")) == [
        ".prof",
        ".prof",
    ]


def test_only_our_profiles_are_served(stopped: None, tmp_path: Path) -> None:
    view = workbench.profile(parse, 100).snakeviz()
    assert view.url is not None
    server = servers._server
    assert server is not None
    base, name = view.url.rsplit("/", 1)
    root = base.rsplit("/", 2)[0]
    outside = tmp_path / "secret.prof"
    outside.write_bytes(workbench.profile(parse, 10).profile_data)
    (server.folder / "link.prof").symlink_to(outside)
    for url in [
        f"{base}/link.prof",  # a link out of the folder
        f"{base}/.server.log",  # not a profile
        f"{base}/..%2F..%2Fetc%2Fpasswd",
        f"{root}/snakeviz/wrong-token/{name}",
        f"{root}/snakeviz/{outside.as_posix().replace('/', '%2F')}",  # snakeviz's own URL form
        f"{root}/snakeviz/%2F",  # snakeviz's own folder listing
    ]:
        assert get(url)[0] == 404, url
    assert get(view.url)[0] == 200


@pytest.mark.parametrize(
    ("name", "allowed"),
    [("a.prof", True), ("b.txt", False), (".a.prof", False), ("../a.prof", False)],
)
def test_allowed_profile_names(tmp_path: Path, name: str, allowed: bool) -> None:
    (tmp_path / "a.prof").write_bytes(b"x")
    (tmp_path / "b.txt").write_bytes(b"x")
    (tmp_path / ".a.prof").write_bytes(b"x")
    assert (allowed_profile(tmp_path, name) is not None) == allowed


def test_stop_servers_ends_the_process_and_removes_its_files(stopped: None) -> None:
    workbench.profile(parse, 100).snakeviz()
    server = servers._server
    assert server is not None
    assert workbench.stop_servers() == 2  # the server, and the RSS sampler's child
    assert gone(server.pid)
    assert not server.folder.exists()
    assert workbench.stop_servers() == 0


def test_a_dead_server_is_replaced(stopped: None) -> None:
    report = workbench.profile(parse, 100)
    first = report.snakeviz()
    old = servers._server
    assert old is not None
    os.kill(old.pid, signal.SIGKILL)
    assert gone(old.pid)
    second = report.snakeviz()
    new = servers._server
    assert new is not None
    assert new.pid != old.pid
    assert second.url != first.url
    assert get(second.url or "")[0] == 200
    assert not old.folder.exists()


def test_a_server_that_cannot_start_says_why_and_shows_the_static_view(
    stopped: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(servers, "SERVER_MODULE", "workbench.no_such_module")
    report = workbench.profile(parse, 100)
    view = report.snakeviz()
    assert view.url is None
    assert view.error is not None
    assert "No module named workbench.no_such_module" in view.error
    html = view._repr_html_()
    assert "snakeviz could not start" in html
    assert report.to_html() in html
    assert "snakeviz could not start" in view.to_text()
    assert "snakeviz could not start" in caplog.text
    assert servers._server is None
    assert not [p for p in psutil.Process().children() if "workbench.no_such_module" in p.cmdline()]


def test_interrupting_the_kernel_process_group_spares_the_server(stopped: None) -> None:
    workbench.profile(parse, 100).snakeviz()
    server = servers._server
    assert server is not None
    assert os.getpgid(server.pid) != os.getpgid(0)
    assert server.answers()


# Hostile names: the page holds snakeviz's scripts and nothing more.

HOSTILE = (
    "x</script><script>alert(document.domain)</script>",
    '"><img src=x onerror=alert(1)>',
    "<!--<script>",
    "]]><svg onload=alert(1)>",
    "javascript:alert(1)",
    "caf\udce9.py",
    "\ud800",
    "a\u2028b\u2029c\nd",
    "\x00\u202e'`&amp;",
)


def _chain(names: list[tuple[str, str]]) -> dict[tuple[str, int, str], Any]:
    """pstats' statistics of a call chain through the (file, function) `names`."""
    keys = [(file, line, name) for line, (file, name) in enumerate(names, 1)]
    return {
        key: (1, 1, 0.1, 0.1 * (len(keys) - i), {keys[i - 1]: (1, 1, 0.1, 0.1)} if i else {})
        for i, key in enumerate(keys)
    }


BENIGN = _chain([(f"/src/m{i}.py", f"f{i}") for i in range(len(HOSTILE))])
EVIL_STATS = _chain([(HOSTILE[-1 - i], name) for i, name in enumerate(HOSTILE)])


class _Page(HTMLParser):
    """The elements, attributes and scripts of a page."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: set[tuple[str, str]] = set()  # (tag, attribute name or "")
        self.scripts: list[dict[str, str | None]] = []  # each script's attributes and text
        self._script: dict[str, str | None] | None = None
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements |= {(tag, "")} | {(tag, name) for name, _ in attrs}
        if tag == "script":
            self._script = {**dict(attrs), "text": ""}
            self.scripts.append(self._script)

    def handle_endtag(self, tag: str) -> None:
        self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script["text"] = (self._script["text"] or "") + data


def _embedded(page: _Page, name: str) -> Any:
    """The JSON a script of the page assigns to `var name`, read back."""
    found = [
        match.group(1)
        for script in page.scripts
        for match in re.finditer(rf"(?m)^\s*var {name} = (.*);$", script["text"] or "")
    ]
    assert found
    for text in found:
        assert not set(text) & set("<>&\u2028\u2029"), text  # script-safe
    values = [json.loads(text) for text in found]
    assert all(value == values[0] for value in values)
    return values[0]


def _key(file: str, line: int, name: str) -> str:
    return f"{snakeviz_name(file)}:{line}({snakeviz_name(name)})"


def _check_hostile_page(url: str, benign: _Page, stats: dict[Any, Any]) -> None:
    """The page at `url` shows `stats`' names as data only, in snakeviz's own page."""
    status, text = get(url)
    assert status == 200
    page = _Page(text)
    assert [s.get("src") for s in page.scripts] == [s.get("src") for s in benign.scripts]
    assert [s.get("type") for s in page.scripts] == [s.get("type") for s in benign.scripts]
    assert page.elements <= benign.elements
    assert not [e for e in page.elements if e[1].startswith("on")]
    keys = {_key(*key) for key in stats}
    rows = _embedded(page, "table_data")
    assert {row[6] for row in rows} == keys
    for row in rows:  # the column DataTables writes as HTML, escaped by snakeviz
        assert not set(row[5]) & set("<>\"'"), row[5]
    callees = _embedded(page, "stats")
    assert set(callees) == keys
    assert _embedded(page, "profile_data") == callees
    # snakeviz's info panel reads every name back with this pattern (JavaScript's `.`).
    pattern = re.compile(r"^([^\n\r\u2028\u2029]*):(\d+)\(([^\n\r\u2028\u2029]*)\)$")
    assert all(pattern.match(key) for key in keys)


def test_hostile_names_stay_data_in_the_snakeviz_page(stopped: None, tmp_path: Path) -> None:
    server = servers.snakeviz_server()
    status, text = get(server.publish(marshal.dumps(BENIGN)))
    assert status == 200
    benign = _Page(text)
    # snakeviz 2.2.2's viz.html: five vendor files, the table, the worker, two of its own
    # files and the setup.
    assert len(benign.scripts) == 10
    _check_hostile_page(server.publish(marshal.dumps(EVIL_STATS)), benign, EVIL_STATS)
    # A report loaded from a saved folder, its profile.prof holding any names at all.
    fixture = workbench.Report.load(FIXTURES / "sampled")
    hostile = replace(
        fixture,
        summary=replace(fixture.summary, label=HOSTILE[0]),
        profile_data=marshal.dumps(EVIL_STATS),
    )
    view = workbench.Report.load(hostile.save(tmp_path / "saved")["json"]).snakeviz()
    assert view.url is not None
    _check_hostile_page(view.url, benign, EVIL_STATS)
    frame = _Page(view._repr_html_())
    assert frame.scripts == []
    assert ("iframe", "src") in frame.elements
    assert not [e for e in frame.elements if e[1].startswith("on")]
    assert escape_html(HOSTILE[0]) in view._repr_html_()
    failed = SnakevizView(HOSTILE[1], None, HOSTILE[0], 500, hostile)
    assert _Page(failed._repr_html_()).scripts == []


def test_names_show_as_written_and_odd_ones_visibly() -> None:
    stats = _chain([("/src/a.py", "plain"), ("caf\udce9.py", "x\ny"), ("/b.py", "\ud800")])
    arguments = page_arguments(marshal.dumps(stats))
    assert set(arguments) == {"table_rows", "callees"}
    callees = json.loads(arguments["callees"])
    assert set(callees) == {"/src/a.py:1(plain)", "caf\\udce9.py:2(x\\x0ay)", "/b.py:3(\\ud800)"}
    assert all(value.isascii() for value in arguments.values())


def test_names_that_would_merge_stay_as_they_were() -> None:
    """A NUL beside its escape spelled out: escaping would make two functions one."""
    stats = {
        ("/a.py", 1, "\x00"): (1, 1, 0.1, 0.1, {}),
        ("/a.py", 1, "\\x00"): (1, 1, 0.1, 0.2, {}),
    }
    assert set(load_stats(marshal.dumps(stats))) == set(stats)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not marshal",
        marshal.dumps({}),
        marshal.dumps([1, 2]),
        marshal.dumps({("f", 1, "g"): ("1", 1, 0.1, 0.1, {})}),  # calls as text
        marshal.dumps({("f", "1", "g"): (1, 1, 0.1, 0.1, {})}),
        marshal.dumps({("f", 1, "g"): (1, 1, 0.1, 0.1, {("f", 1, "h"): ("<b>",)})}),
        marshal.dumps({("f", 1, "g"): (1, 1, 0.1, 0.1)}),
    ],
)
def test_what_is_not_a_profile_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidProfile):
        page_arguments(data)


def test_the_server_says_a_bad_profile_is_not_one(stopped: None) -> None:
    server = servers.snakeviz_server()
    bad = marshal.dumps({("f", 1, "g"): ("<b>", "<b>", 0.1, 0.1, {})})
    assert get(server.publish(b"not a profile"))[0] == 400
    assert get(server.publish(bad))[0] == 400
    assert get(server.publish(marshal.dumps(BENIGN)))[0] == 200
