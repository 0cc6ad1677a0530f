"""Snapshots: atomic, never overwritten, newest found, checksums checked, the index kept."""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from helpers.errors import DataError
from helpers.opendata import list_snapshots, newest_snapshot, snapshot_info
from helpers.opendata.snapshots import write_snapshot

from opendata_server import FIXTURES

DAY1 = dt.datetime(2026, 11, 23, 22, 0, tzinfo=dt.timezone.utc)
DAY2 = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.timezone.utc)


def test_layout_sidecar_and_index(tmp_path: Path) -> None:
    body = (FIXTURES / "kolada_N79517_2024.json").read_bytes()
    snap = write_snapshot("kolada", "N79517", body, {"licence": "CC BY 4.0", "urls": ["http://x/y"]},
                          root=tmp_path, now=DAY1)
    assert snap.path == tmp_path / "kolada" / "2026-11-23" / "N79517.json"
    meta = json.loads((snap.path.parent / "N79517.meta.json").read_text())
    assert meta["retrieved_at"] == "2026-11-23T22:00:00+00:00" and meta["bytes"] == len(body)
    assert meta["urls"] == ["http://x/y"] and meta["sha256"] == snap.sha256
    rows = (tmp_path / "index.csv").read_text().splitlines()
    assert rows[0] == "source,name,retrieved_at,path,sha256,bytes,licence"
    assert rows[1] == f"kolada,N79517,2026-11-23T22:00:00+00:00,kolada/2026-11-23/N79517.json,{snap.sha256},{len(body)},CC BY 4.0"


def test_never_overwritten_and_newest_is_latest_day_then_highest_number(tmp_path: Path) -> None:
    a = write_snapshot("scb", "FolkmangdNov", b'{"a": 1}', {}, root=tmp_path, now=DAY1)
    b = write_snapshot("scb", "FolkmangdNov", b'{"a": 2}', {}, root=tmp_path, now=DAY2)
    c = write_snapshot("scb", "FolkmangdNov", b'{"a": 3}', {}, root=tmp_path, now=DAY2)
    write_snapshot("scb", "FolkmangdNovX", b"{}", {}, root=tmp_path, now=DAY2)  # a longer name is another table
    assert [p.name for p in (a.path, b.path, c.path)] == ["FolkmangdNov.json", "FolkmangdNov.json",
                                                          "FolkmangdNov.2.json"]
    assert a.path.read_bytes() == b'{"a": 1}' and b.path.read_bytes() == b'{"a": 2}'
    assert list_snapshots("scb", "FolkmangdNov", root=tmp_path) == [a.path, b.path, c.path]
    assert newest_snapshot("scb", "FolkmangdNov", root=tmp_path) == c.path
    assert newest_snapshot("scb", "TAB6471", root=tmp_path) is None
    assert len((tmp_path / "index.csv").read_text().splitlines()) == 5


def test_a_body_without_sidecar_is_not_a_snapshot(tmp_path: Path) -> None:
    a = write_snapshot("kolada", "N79503", b"{}", {}, root=tmp_path, now=DAY1)
    stray = tmp_path / "kolada" / "2026-11-24" / "N79503.json"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"{}")  # as if a crash had left a body without its sidecar
    assert newest_snapshot("kolada", "N79503", root=tmp_path) == a.path
    with pytest.raises(DataError, match="snapshot has no sidecar N79503.meta.json"):
        snapshot_info(stray)


def test_a_failed_sidecar_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_snapshot("kolada", "N79503", b"{}", {}, root=tmp_path, now=DAY1)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_changed_snapshot_fails_its_checksum(tmp_path: Path) -> None:
    snap = write_snapshot("kolada", "N79503", b'{"values": []}', {}, root=tmp_path, now=DAY1)
    snap.path.write_bytes(b'{"values": [1]}')
    with pytest.raises(DataError, match="differs from its sidecar's"):
        snapshot_info(snap.path)


def test_unsafe_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a valid snapshot name"):
        write_snapshot("kolada", "../N1", b"{}", {}, root=tmp_path)
    assert list(tmp_path.iterdir()) == []
