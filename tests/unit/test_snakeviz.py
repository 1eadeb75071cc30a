"""snakeviz served by the workbench: loopback only, our files only, stopped when asked.

Every test talks HTTP to a real snakeviz child process (tests/kernel checks that a
kernel's shutdown, graceful or a SIGKILL, leaves no server behind).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import psutil
import pytest

import workbench
import workbench.snakeviz.server as servers
from tests.helpers import get, gone
from tests.workloads import parse, pipeline
from workbench.snakeviz.child import allowed_profile


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
