"""Tests for kit/core/files.py: atomic writes and file fingerprints."""

from __future__ import annotations

import pytest

from kit.core import files
from kit.core.files import atomic_write, file_fingerprint


def test_write_atomic_writes_text_and_bytes(tmp_path):
    atomic_write(tmp_path / "a" / "x.html", "héllo")
    atomic_write(tmp_path / "y.bin", b"\x00\x01")
    assert (tmp_path / "a" / "x.html").read_text(encoding="utf-8") == "héllo"
    assert (tmp_path / "y.bin").read_bytes() == b"\x00\x01"
    assert oct((tmp_path / "y.bin").stat().st_mode & 0o777) == oct(0o644)


def test_interrupted_write_keeps_the_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    target.write_text("old report")

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, "new report " * 1000)
    assert target.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_file_fingerprint_follows_contents(tmp_path):

    a, b = tmp_path / "a.yaml", tmp_path / "b.csv"
    a.write_text("x: 1\n")
    b.write_text("k,v\n")
    first = file_fingerprint([a, b])
    assert file_fingerprint([a, b]) == first and len(first) == 16
    a.write_text("x: 2\n")
    assert file_fingerprint([a, b]) != first
    assert file_fingerprint([a, tmp_path / "gone.csv"]) != file_fingerprint([a])
