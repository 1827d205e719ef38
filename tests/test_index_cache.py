"""Tests for the bounded on-disk index cache (kit.index.cache): size cap, LRU eviction, CLI, concurrent builds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pandas as pd
import pytest
from click.testing import CliRunner

from kit.cli import cli
from kit.core.errors import DataError
from kit.core.paths import ROOT
from kit.index import cache, lookup


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path / "cache"))
    lookup.clear_memory()
    yield
    lookup.clear_memory()


def _frame(key: str, n: int = 40) -> pd.DataFrame:
    words = ["roadmap", "stakeholder", "delivery", "platform", "launch", "metrics", "program", "release"]
    texts = [" ".join(words[(i + j) % len(words)] + f"{key}{i % 5}" for j in range(30)) for i in range(n)]
    df = pd.DataFrame({"posting_id": [f"{key}-{i}" for i in range(n)], "description": texts})
    df.attrs["kit_source_key"] = key
    return df


def _files() -> list[str]:
    return sorted(name.split("-")[1] for name in cache.cache_info()["file"])


def cache_dir_path():
    from kit.core.paths import cache_dir

    return cache_dir()


def _build_aged(key: str, age_s: float) -> None:
    lookup.build_index(_frame(key))
    path = next(cache_dir_path().glob(f"index-{key}-*.pkl"))
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))


def test_cap_evicts_the_least_recently_used_files(monkeypatch):
    _build_aged("aaa", 300)
    _build_aged("bbb", 200)
    size = max(cache.cache_info()["bytes"])
    lookup.clear_memory()
    assert lookup.build_index(_frame("aaa")) is not None  # read from disk: "aaa" is now the most recently used
    assert lookup.STATS["disk_loads"] >= 1
    monkeypatch.setenv("KIT_CACHE_MAX_BYTES", str(int(size * 2.5)))
    lookup.build_index(_frame("ccc"))
    names = _files()
    assert names == ["aaa", "ccc"]  # "bbb" was used longest ago
    assert cache.cache_info().attrs["total_bytes"] <= size * 2.5


def test_the_file_just_written_is_kept_even_over_the_cap(monkeypatch):
    _build_aged("aaa", 100)
    monkeypatch.setenv("KIT_CACHE_MAX_BYTES", "1")
    lookup.build_index(_frame("bbb"))
    assert _files() == ["bbb"]


@pytest.mark.parametrize(
    ("raw", "expected"), [("", cache.DEFAULT_MAX_BYTES), ("1000", 1000), ("2K", 2048), ("1.5G", 3 * 2**29)]
)
def test_max_bytes_reads_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("KIT_CACHE_MAX_BYTES", raw)
    assert cache.max_bytes() == expected


def test_a_bad_cap_is_a_data_error(monkeypatch):
    monkeypatch.setenv("KIT_CACHE_MAX_BYTES", "lots")
    with pytest.raises(DataError, match="KIT_CACHE_MAX_BYTES"):
        cache.max_bytes()


def test_cli_cache_info_and_clear():
    lookup.build_index(_frame("aaa"))
    lookup.build_index(_frame("bbb"))
    runner = CliRunner()
    info = runner.invoke(cli, ["cache", "info"])
    assert info.exit_code == 0, info.output
    assert "2 index files" in info.output and "index-aaa-" in info.output
    cleared = runner.invoke(cli, ["cache", "clear"])
    assert cleared.exit_code == 0 and "deleted 2 index files" in cleared.output
    assert cache.cache_info().empty
    lookup.clear_memory()
    lookup.build_index(_frame("aaa"))  # rebuilt when next needed
    assert len(cache.cache_info()) == 1


_WORKER = """
import json, sys, time
from pathlib import Path
import pandas as pd
from kit.index import lookup
start = Path(sys.argv[1])
while not start.exists():
    time.sleep(0.005)
texts = [" ".join(f"w{(i * 7 + j) % 3000} x{(i + j) % 211}" for j in range(200)) for i in range(6000)]
df = pd.DataFrame({"posting_id": [str(i) for i in range(6000)], "description": texts})
df.attrs["kit_source_key"] = "shared-key"
index = lookup.build_index(df)
print(json.dumps({"builds": lookup.STATS["builds"], "disk_loads": lookup.STATS["disk_loads"],
                  "columns": index.ngrams.shape[1], "nnz": int(index.ngrams.nnz)}))
"""


def test_concurrent_builds_of_one_key_build_and_write_once(tmp_path):
    start = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    procs = [
        subprocess.Popen([sys.executable, "-c", _WORKER, str(start)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
        for _ in range(3)
    ]
    time.sleep(1.0)  # let all three import and wait at the line
    start.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(r["builds"] for r in results) == 1  # one built it, the others waited and read its file
    assert sum(r["disk_loads"] for r in results) == 2
    assert len({(r["columns"], r["nnz"]) for r in results}) == 1
    folder = cache_dir_path()
    assert len(list(folder.glob("index-shared-key-*.pkl"))) == 1
    assert not list(folder.glob("*.tmp"))  # no half-written leftovers
