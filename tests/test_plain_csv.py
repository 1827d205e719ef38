"""kit.io.readers.plain_csv_delimiter: a CSV reading would take as UTF-8 text (else None, and reading says why)."""

from __future__ import annotations

import gzip

import pytest

from kit.io.readers import plain_csv_delimiter


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("a.csv", b"title,company\nTPM,Initech\n", ","),
    ("a.csv", b"title;company;city\nTPM;Initech;Paris\n", ";"),
    ("a.tsv", b"title,company\tx\nTPM,Initech\ty\n", "\t"),
    ("a.csv", b"", None),
    ("a.csv", b"   \n\n", None),
    ("a.csv", "title,company\nTPM,Initech\n".encode("utf-16"), None),
    ("a.csv", b"title,company\nTPM,Init\x00ech\n", None),
    ("a.csv", b"<!DOCTYPE html><html><body>jobs</body></html>", None),
])
def test_plain_csv_delimiter(tmp_path, name, data, expected):
    path = tmp_path / name
    path.write_bytes(data)
    assert plain_csv_delimiter(path) == expected


def test_a_nul_far_into_a_gzip_file_is_seen(tmp_path):
    path = tmp_path / "big.csv.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(b"title,company\n" + b"TPM,Initech\n" * 200_000 + b"x,\x00\n")
    assert plain_csv_delimiter(path) is None
    assert plain_csv_delimiter(tmp_path / "missing.csv") is None
