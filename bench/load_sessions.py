"""Many users, one server: N browser sessions at once against one app server.

Starts the app as ``make run`` does (``streamlit run app.py`` on a free port of 127.0.0.1, headless,
a fresh ``GRN_WORKSPACE`` in a temp folder) and drives ``--sessions`` browser contexts of one
Debian Chromium (Playwright's async API, never ``playwright install``) at the same time. Each
session, like a biologist at the lab server:

1. loads a dataset of its own on the Data page: most upload BEELINE CSVs written from
   ``grncore.data.simulate.single_cell`` with their own seed and name; every ``--demo-every``-th
   generates the simulated demo with its own seed instead;
2. starts runs on the Models page: pearson, spearman, random and ``grnboost2`` (unsupervised
   split), or, in sessions ``i % --deep-every == 1``, pearson, spearman, random, ``gne`` and the
   ``degree`` sentinel the page adds next to it (split ``edge_random``);
3. while its runs train, visits the pages through the sidebar (a page switch within the session)
   and times each render: from the click to the page's title and the end of the script run (no
   "running" indicator);
4. waits on states (the workspace rows of its dataset, then "Active runs (0)" on the Training
   page) until its runs are finished; then reloads the browser tab (a new server session, as a
   refresh or a bookmark gives) and checks the Data page still shows its own dataset (a reload of the tab: a new server session on the same URL).

Checks per session: the sidebar's active dataset is its own on every visit; after the reload too;
the Training page names no other session's dataset; its runs are in the workspace, on its
dataset, done. A sampler thread reads the RSS of the server and all its children (tree-worker
pools, the fork server) every 0.25 s (psutil). Everything is bounded: ``--max-seconds`` of wall
time for the sessions, 127.0.0.1 only.

Usage (repo root): ``nice -n 5 .venv/bin/python bench/load_sessions.py [--sessions 10]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PAGES = ("Data", "Models", "Training", "Evaluation", "Network")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workspace: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "GRN_WORKSPACE": str(workspace)}
    env.pop("GRN_DATA_DIR", None)
    proc = subprocess.Popen([str(REPO / ".venv/bin/python"), "-m", "streamlit", "run", "app.py", "--server.port",
                             str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=REPO, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")


class RssSampler(threading.Thread):
    """Peak RSS of a process and its descendants (sum), sampled until `stop`."""

    def __init__(self, pid: int, every: float = 0.25):
        super().__init__(daemon=True)
        self.root, self.every = psutil.Process(pid), every
        self.peak_total = self.peak_server = 0
        self.peak_children = 0
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = server = 0
            for p in procs:
                try:
                    rss = p.memory_info().rss
                except psutil.Error:
                    continue
                total += rss
                server = rss if p.pid == self.root.pid else server
            self.peak_total = max(self.peak_total, total)
            self.peak_server = max(self.peak_server, server)
            self.peak_children = max(self.peak_children, len(procs) - 1)

    def stop(self) -> None:
        self._stop.set()


def write_dataset(i: int, folder: Path, genes: int, cells: int) -> dict[str, Path]:
    from grncore.data import simulate
    from grncore.data.beeline import write_beeline

    ds = simulate.single_cell(n_genes=genes, n_cells=cells, seed=1000 + i)
    return write_beeline(ds, folder / f"user{i}")


async def idle(page, timeout: float = 120_000) -> None:
    await page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    await page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


async def sidebar_name(page) -> str:
    text = await page.locator('[data-testid="stSidebarUserContent"]').inner_text()
    lines = [x.strip() for x in text.splitlines() if x.strip()]
    return lines[lines.index("Active dataset") + 1] if "Active dataset" in lines else ""


async def data_page_id(page) -> str:
    cap = page.get_by_text(re.compile(r" · id "))
    await cap.first.wait_for(timeout=120_000)
    m = re.search(r"id\s+(\w+)", await cap.first.inner_text())
    return m.group(1) if m else ""


class Session:
    def __init__(self, i: int, args, files: dict | None):
        self.i, self.args, self.files = i, args, files
        self.deep = args.deep_every and i % args.deep_every == 1
        self.name = f"labuser{i}" if files else None
        self.n_runs = 5 if self.deep else 4  # the degree sentinel is added next to a supervised method
        self.ds_id = ""
        self.renders: dict[str, list[float]] = {p: [] for p in PAGES}
        self.wrong_active = 0
        self.foreign_on_training = 0
        self.kept_after_reload = None
        self.error = ""
        self.others: list[str] = []

    async def go(self, page, title: str) -> float:
        t0 = time.perf_counter()
        await page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
        await page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=120_000)
        await idle(page)
        dt = time.perf_counter() - t0
        if self.name and await sidebar_name(page) != self.name:
            self.wrong_active += 1
        return dt

    async def load(self, page) -> None:
        await page.get_by_role("heading", name="Data", exact=True).wait_for(timeout=180_000)
        await idle(page)
        if self.files:
            await page.get_by_text("Upload files", exact=True).click()
            await page.get_by_text("Ground-truth network").first.wait_for(timeout=60_000)
            inputs = page.locator('input[type="file"]')
            for k, key in ((0, "expression"), (1, "network"), (3, "tfs")):  # expression, network, metadata | tfs
                await inputs.nth(k).set_input_files(str(self.files[key]))
                # the upload has reached the server once its file chip shows and the rerun is over;
                # a Load clicked before that finds no file ("Choose an expression file first")
                await page.get_by_text(Path(self.files[key]).name, exact=True).first.wait_for(timeout=120_000)
                await idle(page)
            await page.get_by_label("Name (optional)").fill(self.name)
            await page.get_by_role("button", name="Load", exact=True).click()
            await page.get_by_text(f"Loaded: {self.name}").wait_for(timeout=180_000)
            # the success message is drawn before the rest of the page: wait for the new dataset's
            # heading before reading its id (else the previous active dataset's caption is read)
            await page.get_by_role("heading", name=self.name, exact=True).wait_for(timeout=180_000)
        else:
            await page.get_by_label("Seed").fill(str(100 + self.i))
            await page.get_by_role("button", name="Generate").click()
            await page.get_by_text("Simulated:").wait_for(timeout=180_000)
            await page.get_by_text(f"seed={100 + self.i})").first.wait_for(timeout=180_000)  # the new caption
        await idle(page)
        self.ds_id = await data_page_id(page)
        if not self.files:
            self.name = await sidebar_name(page)

    async def start_runs(self, page) -> None:
        self.renders["Models"].append(await self.go(page, "Models"))
        if self.deep:
            await page.get_by_role("combobox", name="Split").click()
            await page.get_by_role("option", name="edge_random (optimistic)").click()
            await page.get_by_text("Optimistic protocol").wait_for(timeout=60_000)
            await idle(page)
        method, label = ("gne", "gne · supervised · deep") if self.deep else ("grnboost2", "grnboost2 · unsupervised · trees")
        box = page.get_by_role("combobox", name="Methods to run")
        await box.click()
        await box.fill(method)
        await page.get_by_role("option", name=label).click()
        await page.keyboard.press("Escape")
        await idle(page)
        await page.get_by_role("button", name=f"Start {self.n_runs} runs").click()
        await page.get_by_text(f"Queued {self.n_runs} run(s)").wait_for(timeout=120_000)

    def own_runs(self):
        from grncore.jobs import Workspace

        return [r for r in Workspace(self.args.workspace).list_runs() if r.dataset_id == self.ds_id]

    async def check_training(self, page) -> None:
        text = await page.locator('[data-testid="stMain"]').inner_text()
        self.foreign_on_training += sum(f" on {n}" in text for n in self.others if n and n != self.name)

    async def run(self, browser, url: str, deadline: float) -> None:
        ctx = await browser.new_context(viewport={"width": 1400, "height": 1100})
        ctx.set_default_timeout(120_000)  # a loaded shared machine: a first paint can take a minute
        page = await ctx.new_page()
        try:
            await page.goto(url, wait_until="domcontentloaded", timeout=300_000)
            await self.load(page)
            await self.start_runs(page)
            while time.monotonic() < deadline:
                for title in PAGES:
                    self.renders[title].append(await self.go(page, title))
                    if title == "Training":
                        await self.check_training(page)
                rows = await asyncio.to_thread(self.own_runs)
                if len(rows) >= self.n_runs and all(r.status not in ("queued", "running") for r in rows):
                    break
            await self.go(page, "Training")
            await page.get_by_text("Active runs (0)").wait_for(timeout=max(1_000, (deadline - time.monotonic()) * 1000))
            await self.check_training(page)
            await page.reload(wait_until="domcontentloaded", timeout=300_000)  # a new server session, same URL
            await page.get_by_role("heading", name="Training", exact=True).wait_for(timeout=120_000)
            await idle(page)
            await page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Data", exact=True).click()
            await page.get_by_role("heading", name="Data", exact=True).wait_for(timeout=120_000)
            await idle(page)
            self.kept_after_reload = (await data_page_id(page)) == self.ds_id
        except Exception as exc:  # noqa: BLE001 - reported per session
            self.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            try:
                await page.screenshot(path=str(Path(self.args.workspace).parent / f"session{self.i}.png"))
            except Exception:  # noqa: BLE001 - a screenshot is only a help for reading the error
                pass
        finally:
            await ctx.close()


async def drive(args, url: str, files: list) -> list[Session]:
    from playwright.async_api import async_playwright

    sessions = [Session(i, args, files[i]) for i in range(args.sessions)]
    for s in sessions:
        s.others = [f"labuser{j}" for j in range(args.sessions) if files[j]]
    deadline = time.monotonic() + args.max_seconds
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            await asyncio.gather(*(s.run(browser, url, deadline) for s in sessions))
        finally:
            await browser.close()
    return sessions


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(q * (len(v) - 1)))))] if v else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--genes", type=int, default=40)
    ap.add_argument("--cells", type=int, default=150)
    ap.add_argument("--demo-every", type=int, default=5, help="every k-th session generates the demo (0: none)")
    ap.add_argument("--deep-every", type=int, default=4, help="sessions i with i %% k == 1 run gne (0: none)")
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--out", default=str(REPO / "bench/results/load_sessions.md"))
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} not found")
    tmp = Path(tempfile.mkdtemp(prefix="grn-load-"))
    args.workspace = tmp / "workspace"
    files = [None if args.demo_every and i % args.demo_every == 0 else write_dataset(i, tmp / "data", args.genes, args.cells)
             for i in range(args.sessions)]
    load0 = os.getloadavg()
    proc, url = start_server(args.workspace, tmp / "server.log")
    sampler = RssSampler(proc.pid)
    sampler.start()
    t0 = time.monotonic()
    try:
        sessions = asyncio.run(drive(args, url, files))
    finally:
        wall = time.monotonic() - t0
        sampler.stop()
        load1 = os.getloadavg()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    report(args, sessions, sampler, wall, load0, load1, tmp)


def report(args, sessions, sampler, wall, load0, load1, tmp) -> None:
    from grncore.jobs import Workspace
    from grncore.methods.base import n_cores

    ws = Workspace(args.workspace)
    rows = ws.list_runs()
    lines = [
        "# Many users, one server (`bench/load_sessions.py`)",
        "",
        f"Generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()}, {n_cores()} cores "
        f"(the load average says how busy it was). {args.sessions} Chromium contexts against one server at once; load average "
        f"(1/5/15 min) before {load0[0]:.1f} / {load0[1]:.1f} / {load0[2]:.1f}, after {load1[0]:.1f} / {load1[1]:.1f} / "
        f"{load1[2]:.1f}. Uploaded datasets: `simulate.single_cell` {args.genes} genes x {args.cells} cells (own seed "
        f"each); every {args.demo_every}th session generates the demo (100 genes x 400 cells) instead. Runs per session: "
        f"4 (pearson, spearman, random, grnboost2; unsupervised) or, in sessions i % {args.deep_every} == 1, 5 "
        f"(pearson, spearman, random, gne, degree; edge_random). Wall time of the whole load: {wall:.0f} s.",
        "",
        "## Page render while runs train (sidebar click to title + end of the script run)",
        "",
        "| page | renders | p50 s | p95 s | max s |",
        "|---|---|---|---|---|",
    ]
    for p in PAGES:
        v = [x for s in sessions for x in s.renders[p]]
        lines.append(f"| {p} | {len(v)} | {statistics.median(v) if v else float('nan'):.2f} | {pct(v, 0.95):.2f} | "
                     f"{max(v) if v else float('nan'):.2f} |")
    lines += [
        "",
        f"Peak RSS: server + children {sampler.peak_total / 2**20:.0f} MiB, server process alone "
        f"{sampler.peak_server / 2**20:.0f} MiB; at most {sampler.peak_children} child processes at once.",
        "",
        "## Per session",
        "",
        "| session | dataset | deep | runs done / on its dataset / started | wrong active dataset on a visit | other sessions' runs "
        "seen on Training | own dataset after a reload | error |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in sessions:
        own = [r for r in rows if r.dataset_id == s.ds_id] if s.ds_id else []
        done = sum(r.status == "done" for r in own)
        lines.append(f"| {s.i} | {s.name or '-'} | {'gne' if s.deep else '-'} | {done} / {len(own)} / {s.n_runs} | {s.wrong_active} | "
                     f"{s.foreign_on_training} | {s.kept_after_reload} | {s.error or '-'} |")
    status = {}
    for r in rows:
        status[r.status] = status.get(r.status, 0) + 1
    secs = [r.record.get("seconds") for r in rows if r.status == "done" and r.record.get("seconds") is not None]
    lines += ["", f"Runs in the workspace: {len(rows)} ({', '.join(f'{k} {v}' for k, v in sorted(status.items()))}); "
              f"method seconds p50 {statistics.median(secs) if secs else float('nan'):.1f}, max {max(secs) if secs else float('nan'):.1f}. "
              f"Server log: {tmp / 'server.log'}."]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
