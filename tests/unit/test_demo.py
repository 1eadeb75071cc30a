"""The notebooks' demo data and demo API: deterministic, local, stopped when done."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest

from workbench.demo.api import DemoAPI, record
from workbench.demo.data import enrichment_records, write_access_log


def test_access_log_is_the_same_bytes_for_the_same_seed(tmp_path: Path) -> None:
    a = write_access_log(tmp_path / "a.log", 5000)
    b = write_access_log(tmp_path / "b.log", 5000)
    c = write_access_log(tmp_path / "c.log", 5000, seed=1)
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b, c)]
    assert digest[0] == digest[1] != digest[2]
    lines = a.read_text().splitlines()
    assert len(lines) == 5000
    assert '"GET ' in lines[0] or '"POST ' in lines[0] or '"HEAD ' in lines[0]
    with pytest.raises(FileExistsError):
        write_access_log(a, 10)


def test_enrichment_records_repeat_their_strings() -> None:
    records = enrichment_records(2000)
    assert records == enrichment_records(2000)
    assert len({r["agent"] for r in records}) <= 8
    assert len({r["time"] for r in records}) < 400


def test_demo_api_serves_records_fails_once_and_stops() -> None:
    with DemoAPI(latency=0.0, fail_every=3) as api:
        assert api.running
        assert api.url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=api.url) as client:
            assert client.get("/records/3").json() == record(3)
            assert client.get("/records/5").json() == record(5)
            assert client.get("/records/5").status_code == 503  # the third request
            assert client.get("/records/5").json() == record(5)
            assert client.get("/nothing").status_code == 404
            assert json.loads(client.get("/stats").text) == {"requests": 4, "failures": 1}
    assert not api.running
    api.stop()  # stopping twice is harmless
