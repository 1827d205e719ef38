"""A reusable harness for interrupt tests: run a CLI command, send SIGINT at a chosen point, check the aftermath.

``interrupt(cmd, at=...)`` starts the command in its own session, watches its stderr, and sends SIGINT when
``at`` is satisfied (a substring of stderr, or seconds since start). It then records how long the process took
to exit, its exit code and its output, and which of its descendants (workers, kernels, anything they started)
were still alive afterwards. ``group=True`` signals the whole process group, as a terminal's Ctrl-C does.

Used by tests/test_interrupts.py for ``kit report``; ``kit fetch`` can use it the same way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Interrupted:
    """What happened to an interrupted command."""

    returncode: int | None
    stdout: str
    stderr: str
    signalled_after: float | None  # seconds from start to SIGINT (None: the trigger never came)
    exit_seconds: float | None  # seconds from SIGINT to exit (None: it did not exit in time; it was killed)
    leftovers: list[str] = field(default_factory=list)  # descendants alive after the command exited

    def stderr_lines(self) -> list[str]:
        """Non-empty stderr lines, without progress-bar redraws."""
        return [ln for ln in self.stderr.replace("\r", "\n").splitlines() if ln.strip() and "reports:" not in ln]


def kit_command(*args: str) -> list[str]:
    """``python -m kit <args>`` with the interpreter running the tests."""
    return [sys.executable, "-m", "kit", *args]


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a subprocess: this worktree's kit first on the path."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}".rstrip(os.pathsep)}
    env.update(extra)
    return env


def _default_sigint() -> None:
    """In the child: SIGINT as a shell gives it.

    An earlier in-process test may have left it ignored in the test process, and ignored signals are inherited.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def interrupt(cmd: list[str], *, at: str | float, env: dict[str, str] | None = None, cwd: Path | None = None,
              group: bool = False, exit_timeout: float = 10.0, start_timeout: float = 120.0) -> Interrupted:
    """Run ``cmd``, send SIGINT at ``at``, and report how it ended.

    Args:
        cmd: The command line.
        at: A substring of stderr to wait for, or seconds after start.
        env: Environment (default :func:`subprocess_env`).
        cwd: Working folder.
        group: Signal the process group (a terminal's Ctrl-C) instead of the process alone.
        exit_timeout: Seconds the command has to exit after SIGINT before it is killed.
        start_timeout: Seconds to wait for ``at`` before giving up (the command is then killed).

    Returns:
        An :class:`Interrupted`.
    """
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env or subprocess_env(), cwd=cwd,
                            start_new_session=True, preexec_fn=_default_sigint)
    chunks: dict[str, list[str]] = {"out": [], "err": []}
    seen = threading.Event()

    def pump(stream, key: str) -> None:
        for raw in iter(lambda: stream.read1(4096) if hasattr(stream, "read1") else stream.read(4096), b""):
            chunks[key].append(raw.decode("utf-8", "replace"))
            if key == "err" and isinstance(at, str) and at in "".join(chunks["err"]):
                seen.set()

    threads = [threading.Thread(target=pump, args=(proc.stdout, "out"), daemon=True),
               threading.Thread(target=pump, args=(proc.stderr, "err"), daemon=True)]
    for t in threads:
        t.start()
    if isinstance(at, str):
        deadline = t0 + start_timeout
        while not seen.wait(0.05):
            if proc.poll() is not None or time.monotonic() > deadline:
                break
    else:
        while time.monotonic() - t0 < at and proc.poll() is None:
            time.sleep(0.02)
    signalled_after = exit_seconds = None
    family: list[psutil.Process] = []
    if proc.poll() is None and (not isinstance(at, str) or seen.is_set()):
        family = _descendants(proc.pid)
        signalled_after = time.monotonic() - t0
        t1 = time.monotonic()
        if group:
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=exit_timeout)
            exit_seconds = time.monotonic() - t1
        except subprocess.TimeoutExpired:
            pass
    if proc.poll() is None:  # did not stop (or the trigger never came): kill it and everything it started
        family = family or _descendants(proc.pid)
        for p in [*family, psutil.Process(proc.pid)]:
            try:
                p.kill()
            except psutil.Error:
                pass
        proc.wait(timeout=10)
    for t in threads:
        t.join(timeout=5)
    proc.stdout.close()
    proc.stderr.close()
    time.sleep(0.3)  # let the kernel reap what the command killed
    leftovers = []
    for p in family:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                leftovers.append(f"{p.pid} {' '.join(p.cmdline())[:120]}")
                p.kill()
        except psutil.Error:
            pass
    return Interrupted(proc.returncode, "".join(chunks["out"]), "".join(chunks["err"]), signalled_after,
                       exit_seconds, leftovers)
