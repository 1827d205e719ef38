"""Report workers: processes that each keep one warm Jupyter kernel and run report notebooks in it.

``kit.report.batch`` plans a batch and hands each report to a :class:`WorkerPool` as a task (a dict: ``notebook``,
``params``, ``html``, ``ipynb``, ``title``, ``header``). Each worker process:

* starts ONE kernel (:func:`_kernel`) and warms it up (:func:`_warm_up`: imports pandas, plotly and the kit, loads
  plotly's validators), so kernel start and imports are paid once per worker, not once per report;
* runs each notebook with papermill on that kernel (a custom engine hands papermill the running kernel and keeps
  its connected client), after a first cell that clears the namespace but keeps imported modules, so no report
  sees another's variables (:func:`run_notebook`);
* writes the executed ``.ipynb`` and the offline HTML (``kit.report.htmlexport``, in-process) atomically
  (:func:`kit.core.files.atomic_write`).

A failing notebook, a dead kernel or a timeout fails that report only; the kernel is restarted on demand.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kit.core.files import atomic_write
from kit.core.text_safety import printable_line
from kit.report import htmlexport

__all__ = ["CELL_TIMEOUT", "WorkerPool", "clip", "init_worker", "remove_temp_files", "run_notebook", "stop_descendants",
           "stop_kernel"]

#: Execution time limit per notebook cell, seconds.
CELL_TIMEOUT = 900


def clip(text: str, n: int) -> str:
    """``text`` cut to ``n`` characters, with "…" when cut."""
    return text if len(text) <= n else text[: n - 1] + "…"




@contextlib.contextmanager
def _sigint_ignored():
    """Block SIGINT in this thread for the block: processes started here inherit the blocked mask (across exec), so
    they never see a terminal's Ctrl-C; here a Ctrl-C is only delayed (delivered when the block ends), never lost."""
    import signal

    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def stop_descendants(*, grace: float = 3.0) -> int:
    """SIGTERM every process this one started (recursively), SIGKILL those still alive after ``grace`` seconds.

    multiprocessing's resource tracker is spared: it exits by itself once its users are gone.

    Args:
        grace: Seconds to wait after SIGTERM (and again after SIGKILL).

    Returns:
        How many processes were stopped.
    """
    import psutil

    try:
        procs = [p for p in psutil.Process().children(recursive=True) if not _is_resource_tracker(p)]
    except psutil.Error:
        return 0
    for proc in procs:
        try:
            proc.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=grace)
    return len(procs)


def _is_resource_tracker(proc) -> bool:
    """Multiprocessing's resource tracker: it exits by itself once its users are gone, and must not be killed
    before (the parent then prints a traceback at exit)."""
    try:
        return any("resource_tracker" in part for part in proc.cmdline())
    except Exception:  # gone already
        return True


def remove_temp_files(folder: Path) -> list[Path]:
    """Delete the temporary files :func:`kit.core.files.atomic_write` and :func:`run_notebook` leave when killed.

    Only the kit's own temp names (``.<name>.<random>.tmp`` and ``.<stem>.<random>.tmp.ipynb``) are removed.

    Args:
        folder: The output folder.

    Returns:
        The files removed.
    """
    removed = []
    for path in [*Path(folder).glob(".*.tmp"), *Path(folder).glob(".*.tmp.ipynb")]:
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed


class WorkerPool:
    """``jobs`` spawned worker processes, each with one warm kernel.

    Started before the parent loads the data, with one warm-up task per worker (start the kernel,
    import pandas, plotly and the kit in it), so kernels boot while the parent reads and indexes.
    """

    def __init__(self, *, jobs: int, cwd: Path, log_dir: Path, kernel_name: str):
        """Start ``jobs`` workers; kernels run in ``cwd`` and log to ``log_dir``/kernel-<pid>.log."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        log_dir.mkdir(parents=True, exist_ok=True)
        env = {"KIT_PLOTLY_RENDERER": os.environ.get("KIT_PLOTLY_RENDERER", "plotly_mimetype"),
               "KIT_REPORT": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=init_worker, initargs=(env, str(cwd), str(log_dir)))
        # the workers are spawned by these submits with SIGINT blocked (a terminal's Ctrl-C reaches the whole
        # process group, and only the parent decides what an interrupt does: see terminate)
        with _sigint_ignored():
            self.warm = [self.pool.submit(_warm_up, kernel_name) for _ in range(jobs)]
        self.futures: dict[Any, dict[str, Any]] = {}

    def submit(self, tasks: list[dict[str, Any]]) -> None:
        """Queue reports (the parent keeps working while they run)."""
        for task in tasks:
            self.futures[self.pool.submit(run_notebook, task)] = task

    def results(self, *, total: int, progress: bool):
        """Yield ``(task, outcome)`` as reports finish, with a progress bar over all ``total`` reports."""
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        from tqdm.auto import tqdm

        with tqdm(total=total, initial=total - len(self.futures), desc="reports", unit="report",
                  disable=not progress, file=sys.stderr) as bar:
            for fut in as_completed(self.futures):
                task = self.futures[fut]
                try:
                    outcome = fut.result()
                except BrokenProcessPool as exc:
                    outcome = {"status": "failed", "error": f"worker process died: {exc}"}
                bar.set_postfix_str(printable_line(clip(task["title"], 30)))
                bar.update(1)
                yield task, outcome

    def terminate(self, *, grace: float = 3.0) -> None:
        """Stop at once: every worker and every kernel (and anything they started), within ``grace`` seconds.

        For an interrupt: the processes are found as this process's descendants (kernels run in their own
        session, so a terminal's Ctrl-C never reaches them), sent SIGTERM, and SIGKILLed when still alive after
        ``grace`` seconds. Nothing is waited for beyond that.
        """
        stop_descendants(grace=grace)
        for fut in self.futures:
            fut.cancel()
        self.pool.shutdown(wait=False, cancel_futures=True)
        # the queue to the (now dead) workers must not make this process wait at exit to flush it
        queue = getattr(self.pool, "_call_queue", None)
        if queue is not None:
            queue.cancel_join_thread()

    def close(self) -> None:
        """Cancel what has not started, wait for the rest; workers shut their kernels down.

        When no report was submitted (all unchanged), the warming workers are stopped at once rather
        than waited for; their kernels notice their parent is gone and exit.
        """
        if not self.futures:
            for proc in list((getattr(self.pool, "_processes", None) or {}).values()):
                proc.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)


_WORKER: dict[str, Any] = {}


def init_worker(env: dict[str, str], cwd: str, log_dir: str) -> None:
    """Worker process setup: environment for the kernel, the warm-kernel papermill engine."""
    import signal
    from multiprocessing.util import Finalize

    from papermill.engines import papermill_engines

    # Ctrl-C in a terminal reaches the whole process group: the parent alone decides what an interrupt does
    # (kit.report.batch stops the workers and their kernels), so a worker never prints a traceback for it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(env)
    logging.getLogger("papermill").setLevel(logging.ERROR)  # e.g. "unknown parameter": not the user's concern
    _WORKER["cwd"], _WORKER["log_dir"] = cwd, log_dir
    papermill_engines.register("kit-warm", _warm_engine())
    Finalize(None, stop_kernel, exitpriority=100)


def _warm_engine():
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine

    class WarmEngine(NBClientEngine):
        """papermill's nbclient engine, but on a kernel that outlives the notebook."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            client = PapermillNotebookClient(nb_man, km=kwargs["km"], timeout=execution_timeout,
                                             startup_timeout=start_timeout, kernel_name=kernel_name,
                                             log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
            client.kc = _WORKER.pop("kc", None)  # the connected client of the previous report, if any
            try:
                nb = client.execute()
            except BaseException:
                if client.kc is not None:
                    client.kc.stop_channels()
                raise
            _WORKER["kc"] = client.kc  # keep it: connecting a new client costs 1-2 s per report
            return nb

    return WarmEngine


def _kernel(kernel_name: str):
    """This worker's running kernel, started (or restarted after a crash) on demand."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = _WORKER.get("km")
    if km is not None and run_sync(km.is_alive)() and _WORKER.get("kernel_name") == kernel_name:
        return km
    stop_kernel()
    km = AsyncKernelManager(kernel_name=kernel_name)
    log = Path(_WORKER["log_dir"]) / f"kernel-{os.getpid()}.log"
    with open(log, "ab") as stderr:  # kernel warnings would scramble the progress bar; keep them here
        run_sync(km.start_kernel)(cwd=_WORKER.get("cwd"), stderr=stderr)
    _WORKER["km"], _WORKER["kernel_name"] = km, kernel_name
    return km


def stop_kernel() -> None:
    """Disconnect and shut down this worker's kernel, if any (at worker exit, or after a failure)."""
    from jupyter_core.utils import run_sync

    kc = _WORKER.pop("kc", None)
    if kc is not None:
        kc.stop_channels()
    km = _WORKER.pop("km", None)
    if km is not None:
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # already gone
            pass


_WARM_SOURCE = """\
import importlib
import kit
for _name in ["pandas", "pyarrow.parquet", "plotly.graph_objects", "plotly.io", "kit.charts",
              *sorted(set(kit._LAZY.values()))]:
    try:
        importlib.import_module(_name)
    except Exception:
        pass
import os
import plotly.graph_objects as go
import plotly.io as pio
pio.renderers.default = os.environ.get("KIT_PLOTLY_RENDERER") or pio.renderers.default  # imports nbformat: ~3 s
pio.to_json(go.Figure([go.Bar(x=["a"], y=[1]), go.Scatter(x=[1], y=[1]), go.Heatmap(z=[[1]]),
                       go.Sunburst(labels=["a"], parents=[""])]))  # loads plotly's validators
"""


def _warm_up(kernel_name: str) -> float:
    """Worker: start the kernel and import the usual modules in it; return the seconds it took."""
    import nbformat
    import papermill as pm

    t0 = time.perf_counter()
    try:
        km = _kernel(kernel_name)  # boots in its own process while this one loads the HTML exporter
        htmlexport.warm_up()
        nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": kernel_name, "language": "python",
                                                               "display_name": kernel_name}})
        nb.cells = [nbformat.v4.new_code_cell(_WARM_SOURCE)]
        pm.execute_notebook(nb, None, engine_name="kit-warm", kernel_name=kernel_name, progress_bar=False,
                            km=km)
    except Exception:  # a report will start the kernel again and say what is wrong
        stop_kernel()
    return time.perf_counter() - t0


_RESET_TAG = "kit-reset"
# What ``%reset -f`` does for us, minus its gc.collect() and history work (~2 s per report): drop
# every user name and cached output, keep the kernel's own names and the imported modules.
_RESET_SOURCE = """\
def _kit_reset(ip):
    keep = set(ip.user_ns_hidden) - {"_", "__", "___"}
    for name in [n for n in ip.user_ns if n not in keep or (n[:1] == "_" and n[1:].isdigit())]:
        del ip.user_ns[name]
    ip.user_ns["Out"].clear()
    ip.displayhook._, ip.displayhook.__, ip.displayhook.___ = "", "", ""
_kit_reset(get_ipython())
"""


def _with_reset(nb):
    """Prepend a cell that clears the kernel's namespace (modules stay imported), so no report sees
    another's variables; :func:`_without_reset` takes it out of the executed notebook."""
    import nbformat

    cell = nbformat.v4.new_code_cell(_RESET_SOURCE, metadata={"tags": [_RESET_TAG]})
    nb.cells.insert(0, cell)
    return nb


def _without_reset(nb):
    nb.cells = [c for c in nb.cells if _RESET_TAG not in c.get("metadata", {}).get("tags", [])]
    return nb


def run_notebook(task: dict[str, Any]) -> dict[str, Any]:
    """Worker: parameterize + execute one notebook on the warm kernel, write .ipynb and .html.

    Args:
        task: ``notebook`` (path), ``params`` (papermill parameters), ``ipynb`` and ``html`` (outputs),
            ``title`` and ``header`` (rows of the HTML header).

    Returns:
        ``status`` ("ok" / "failed"), ``error`` (one line, when failed), ``seconds``, ``timings`` (``kernel``,
        ``execute``, ``export``) and ``wrote_ipynb``.
    """
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    html_path, ipynb_path = Path(task["html"]), Path(task["ipynb"])
    nb = nbformat.read(task["notebook"], as_version=4)
    kernel_name = nb.metadata.get("kernelspec", {}).get("name", "python3")
    fd, tmp = tempfile.mkstemp(prefix=f".{ipynb_path.stem}.", suffix=".tmp.ipynb", dir=ipynb_path.parent)
    os.close(fd)
    outcome: dict[str, Any] = {"status": "ok", "timings": timings}
    try:
        km = _kernel(kernel_name)
        t1 = time.perf_counter()
        timings["kernel"] = t1 - t0
        try:
            executed = pm.execute_notebook(_with_reset(nb), tmp, parameters=task["params"], engine_name="kit-warm",
                                           kernel_name=kernel_name, progress_bar=False, log_output=False,
                                           request_save_on_cell_execute=False,
                                           execution_timeout=CELL_TIMEOUT, km=km)
        except PapermillExecutionError as exc:
            outcome.update(status="failed", error=f"{exc.ename}: {exc.evalue}".strip().rstrip(":"))
            executed = None
        t2 = time.perf_counter()
        timings["execute"] = t2 - t1
        saved = _without_reset(executed if executed is not None else nbformat.read(tmp, as_version=4))
        atomic_write(ipynb_path, nbformat.writes(saved))
        outcome["wrote_ipynb"] = True
        if executed is not None:
            rows = [*task["header"], ("Generated", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")),
                    ("Run time", f"{t2 - t0:.1f} s")]
            header = htmlexport.header_html(title=task["title"], rows=rows, links=[("All reports", "index.html")])
            atomic_write(html_path, htmlexport.standalone_html(saved, title=task["title"], header=header))
            timings["export"] = time.perf_counter() - t2
        else:
            html_path.unlink(missing_ok=True)  # a stale report must not pass for this run's
    except Exception as exc:  # kernel died, timeout, export error: this report fails, the run goes on
        outcome.update(status="failed", error=f"{type(exc).__name__}: {exc}")
        stop_kernel()
    finally:
        Path(tmp).unlink(missing_ok=True)
    outcome["seconds"] = time.perf_counter() - t0
    if outcome.get("error"):
        outcome["error"] = clip(" ".join(str(outcome["error"]).split()), 500)
    return outcome

