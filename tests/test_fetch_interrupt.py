"""Ctrl-C during ``kit fetch``: stops within seconds, exit 130, one line, the store as it was, a rerun completes.

``kit fetch`` runs as a subprocess against a local Greenhouse-speaking server (pytest-httpserver) serving two
boards: the first answers at once, the second holds its answer until the test has interrupted the fetch, so the
SIGINT lands while a request is in flight.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import threading
import time

import pytest
from interrupts import _default_sigint, kit_command, subprocess_env

pytestmark = pytest.mark.slow


def _hashes(root):
    return {p.relative_to(root): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("group", [False, True])
def test_interrupt_during_a_board_keeps_the_store_and_rerun_completes(httpserver, fixtures, tmp_path, group):
    body = (fixtures / "fetch" / "greenhouse_jobs_1.json").read_bytes()
    arrived, release = threading.Event(), threading.Event()

    def slow(_request):
        from werkzeug import Response

        arrived.set()
        release.wait(30)
        return Response(body, content_type="application/json")

    httpserver.expect_request("/gh/fastboard/jobs").respond_with_data(body, content_type="application/json")
    httpserver.expect_request("/gh/slowboard/jobs").respond_with_handler(slow)
    store = tmp_path / "store"
    env = subprocess_env(KIT_GREENHOUSE_API=httpserver.url_for("/gh"), KIT_FETCH_RATE="0",
                         KIT_CACHE_DIR=str(tmp_path / "cache"))
    cmd = kit_command("fetch", "greenhouse:fastboard", "greenhouse:slowboard", "--store", str(store))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True,
                            preexec_fn=_default_sigint)
    try:
        assert arrived.wait(120), "the second board was never requested"
        time.sleep(0.3)
        before = _hashes(store)  # the first board is stored; the second is in flight
        assert any("fastboard" in str(p) for p in before) and not any("slowboard" in str(p) for p in before)
        t0 = time.monotonic()
        if group:
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        took = time.monotonic() - t0
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    text = err.decode("utf-8", "replace")
    assert proc.returncode == 130, text
    assert took < 10
    assert "Traceback" not in text
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 1 and "interrupted" in lines[0].lower(), text
    assert _hashes(store) == before, "the interrupted board changed the store"
    assert not list(store.rglob("*.tmp*")) and not list(store.rglob(".*.tmp"))
    # a rerun (the slow board answering now) completes and keeps the first board's raw file as fetched
    rerun = subprocess.run(cmd, capture_output=True, env=env, timeout=120)
    assert rerun.returncode == 0, rerun.stderr.decode()
    after = _hashes(store)
    assert any("slowboard" in str(p) for p in after)
    assert all(after[p] == h for p, h in before.items() if "raw" in p.parts), "a raw response was rewritten"
