"""Time opsmanual against baselines measured in the same run, and print the ratios.

    python benchmarks/run.py [--procedures 10000] [--repeat 3] [--only NAME ...] [--json FILE]

Every measurement runs in a fresh Python process, so no run profits from another's caches
(imports, compiled schemas). In-process timings (`bare-load`, `validate`) exclude interpreter
start-up and imports and are compared with each other; whole-command timings (`validate-cli`,
`render`, `render-site`, `diff`) are wall-clock times of the command, compared with the wall-clock
time of the bare-load process. Renders run without the fragment cache (OPSMANUAL_CACHE_DIR=off),
except `render-site-warm`: the site again after one procedure changed, with a warm cache.
`site-largest-page-load` opens the largest page of the site in headless Chromium; `render-pdf`
prints the bundled example manual and compares it with that manual's HTML render. Best of
`--repeat`; the two sides of a comparison run in turns (A, B, A, B) so that load from elsewhere
on the machine weighs on both alike. check-jsonschema, which takes
about a minute at 10,000 procedures, runs once. This is a report, not a test: it always exits 0.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402  (the sibling script, importable wherever run.py is started from)

PROJECT = HERE.parent
PYTHON = sys.executable

# One file list for every in-process timing: the files the format reads.
_FILES = """
import sys, time, json
from pathlib import Path
root = Path(sys.argv[1])
def manual_files():
    found = [root / n for n in ("manual.yaml", "records/updates.yaml", "records/loans.yaml")]
    for folder in ("units", "roles", "procedures", "staff"):
        found.extend(sorted((root / folder).glob("*.yaml")))
    return [p for p in found if p.is_file()]
"""

BARE_LOAD = (
    _FILES
    + """
import yaml
start = time.perf_counter()
for path in manual_files():
    yaml.load(path.read_text("utf-8"), Loader=yaml.CSafeLoader)
print(json.dumps({"seconds": time.perf_counter() - start}))
"""
)

VALIDATE = """
import gc, sys, time, json
from pathlib import Path
gc.disable()  # as the command entry point does (docs/architecture.md, "Speed")
from opsmanual.validate import validate
start = time.perf_counter()
report = validate(Path(sys.argv[1]), use_git=sys.argv[2] == "git")
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "errors": report.errors, "warnings": report.warnings}))
"""


@dataclass
class Row:
    name: str
    seconds: float | None
    baseline: str = ""
    ratio: float | None = None
    target: float | None = None
    result: str = "info"  # PASS, MISS, info, SKIP, FAIL
    note: str = ""


class Bench:
    def __init__(self, procedures: int, repeat: int, work: Path) -> None:
        self.procedures = procedures
        self.repeat = repeat
        self.work = work
        self.rows: list[Row] = []
        self.imports: list[tuple[str, float]] = []
        # No cache unless a row asks for one (`cache`, `run(cold=True)`): a row's two sides then
        # compare the same work, and nothing is written to the user's own cache folder.
        self.env = dict(
            os.environ, OPSMANUAL_NOW=generate.NOW, NO_COLOR="1", OPSMANUAL_CACHE_DIR="off"
        )
        # opsmanual is timed as installed: with its bytecode compiled (pip compiles it), not
        # compiled again in every process as a checkout with PYTHONDONTWRITEBYTECODE would be.
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        _compile_opsmanual()
        self._done: dict[str, Row] = {}

    # -- the manuals -------------------------------------------------------------------------

    def manual(self, records: int = 3, git: bool = False, procedures: int | None = None) -> Path:
        """A generated manual, cached under the work folder until generate.py changes."""
        procedures = procedures or self.procedures
        name = f"manual-n{procedures}-r{records}{'-git' if git else ''}"
        folder = self.work / name
        stamp = self.work / f"{name}.stamp"
        digest = hashlib.sha256(Path(generate.__file__).read_bytes()).hexdigest()
        fresh = folder.is_dir() and stamp.is_file() and stamp.read_text() == digest
        # An interrupted diff run may have left its edit in the repository.
        if fresh and (not git or _clean(folder)):
            return folder
        log(f"generating {name} ...")
        stamp.unlink(missing_ok=True)
        generate.generate(folder, procedures, records, git)
        stamp.write_text(digest)
        return folder

    # -- timing --------------------------------------------------------------------------------

    def run(
        self, command: Sequence[str], quiet: bool = False, cold: bool = False
    ) -> tuple[float, str, int]:
        """Wall-clock seconds, stdout and exit code of one process; `cold`: with a cache folder
        of its own, empty (the parse cache is on by default: a fresh checkout's first run)."""
        env = self.env
        if cold:
            folder = self.work / "cold-cache"
            shutil.rmtree(folder, ignore_errors=True)
            env = dict(self.env, OPSMANUAL_CACHE_DIR=str(folder))
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        if done.returncode not in (0, 1) and not quiet:
            lines = (done.stderr or done.stdout).strip().splitlines()
            log(f"  {command[0]} ... exited {done.returncode}: {lines[-1] if lines else ''}")
        return seconds, done.stdout, done.returncode

    def best(self, command: Sequence[str], times: int | None = None) -> tuple[float, str, int]:
        results = [self.run(command) for _ in range(times or self.repeat)]
        return min(results, key=lambda r: r[0])

    def in_turns(
        self, jobs: dict[str, list[str]], cold: Collection[str] = ()
    ) -> dict[str, tuple[float, float, str]]:
        """Best of --repeat for each command, run in turns (A, B, A, B, ...) so that load from
        elsewhere on the machine weighs on both sides of a comparison alike; the jobs named in
        `cold` each time with an empty cache.

        Returns, per job: its seconds (its own report for a script printing {"seconds": ...},
        else the wall time), the wall time of that run, and its stdout.
        """
        best: dict[str, tuple[float, float, str]] = {}
        for _ in range(self.repeat):
            for name, command in jobs.items():
                wall, stdout, code = self.run(command, cold=name in cold)
                seconds = wall
                if command[1] == "-c":
                    if code != 0:
                        raise RuntimeError(f"the {name} script failed with exit code {code}")
                    seconds = json.loads(stdout.strip().splitlines()[-1])["seconds"]
                elif code != 0:
                    stdout = f"exit code {code}"
                if name not in best or seconds < best[name][0]:
                    best[name] = (seconds, wall, stdout)
        return best

    def has_command(self, command: str, *modules: str) -> bool:
        """Whether a command that may not be written yet exists: its module and its CLI entry."""
        if not any(importlib.util.find_spec(module) for module in modules):
            return False
        return self.run(self.opsmanual(command, "--help"), quiet=True)[2] == 0

    def opsmanual(self, *args: str) -> list[str]:
        return [PYTHON, "-m", "opsmanual", *args]

    def has_format(self, name: str) -> bool:
        return name in self.run(self.opsmanual("render", "--help"), quiet=True)[1]

    @contextmanager
    def cache(self, where: str) -> Iterator[None]:
        """Run the commands inside with this cache folder (`off`, the default: none)."""
        before = self.env.get("OPSMANUAL_CACHE_DIR")
        self.env["OPSMANUAL_CACHE_DIR"] = where
        try:
            yield
        finally:
            if before is None:
                self.env.pop("OPSMANUAL_CACHE_DIR", None)
            else:
                self.env["OPSMANUAL_CACHE_DIR"] = before

    # -- the rows ------------------------------------------------------------------------------

    def add(self, row: Row) -> Row:
        if row.ratio is not None and row.target is not None and row.result == "info":
            row.result = "PASS" if row.ratio <= row.target else "MISS"
        self.rows.append(row)
        self._done[row.name] = row
        log(f"  {format_row(row)}")
        return row

    def need(self, name: str) -> Row:
        """A row measured earlier in this run, measuring it (and what it needs) first if not."""
        if name not in self._done:
            BENCHMARKS[name](self)
        return self._done[name]


def bare_load_and_validate(bench: Bench) -> None:
    """The baseline and validate, in-process and as a command, timed in turns: with an empty
    parse cache, which they fill (a fresh checkout), and as a command without the cache."""
    root = str(bench.manual())
    cli = bench.opsmanual("validate", "--no-git", "-m", root)
    with bench.cache("off"):
        times = bench.in_turns(
            {
                "bare": [PYTHON, "-c", BARE_LOAD, root],
                "validate": [PYTHON, "-c", VALIDATE, root, "no-git"],
                "cli": cli,
                "cli-off": cli,
            },
            cold={"validate", "cli"},
        )
    bare, bare_wall, _ = times["bare"]
    bench.add(Row("bare-load", bare, note="yaml.load(CSafeLoader) of every file"))
    bench.add(Row("bare-load-process", bare_wall, note="the same, as a whole python process"))
    seconds, _, stdout = times["validate"]
    report = json.loads(stdout.strip().splitlines()[-1])
    bench.add(compare("validate", report, "bare-load", bare, 1.5, "validate(root, use_git=False)"))
    seconds, _, stdout = times["cli"]
    row = Row("validate-cli", seconds, "bare-load-process", seconds / bare_wall, 1.5)
    row.note = "opsmanual validate --no-git, start-up included"
    if stdout.startswith("exit code"):
        row.result, row.note = "FAIL", f"{stdout}: the generated manual has findings"
    bench.add(row)
    off = times["cli-off"][0]
    row = Row("validate-cli-no-cache", off, note="the same with OPSMANUAL_CACHE_DIR=off")
    bench.add(row)
    row = Row("cache-write", seconds, "validate-cli-no-cache", seconds / off, 1.05)
    row.note = "validate-cli (filling an empty parse cache) against validate-cli-no-cache"
    bench.add(row)


def warm_row(
    bench: Bench, name: str, command: list[str], part: int, base: float | None, target: float,
    note: str,
) -> Row:  # fmt: skip
    """`command` again after one procedure's step action changed (shown in that procedure alone;
    a title is shown elsewhere too), its caches filled by an earlier run: a CI run after a
    one-file commit. `part` picks the procedure (1/part of the way through the folder)."""
    root = bench.manual()
    cache = bench.work / f"cache-n{bench.procedures}"
    files = sorted((root / "procedures").glob("*.yaml"))
    target_file = files[len(files) // part]
    original = target_file.read_bytes()
    times = []
    with bench.cache(str(cache)):
        try:
            bench.run(command)  # fills the cache (a no-op when an earlier run did)
            for n in range(bench.repeat):
                target_file.write_bytes(ACTION.sub(rb"\1 (%d)" % n, original, count=1))
                times.append(bench.run(command))
        finally:
            target_file.write_bytes(original)
    seconds, _, code = min(times, key=lambda r: r[0])
    row = Row(name, seconds, "bare-load-process", seconds / base if base else None)
    row.target = target
    row.note = note
    if code != 0 or not ACTION.search(original):
        row.result = "FAIL"
        row.note = f"exit code {code}, or no step action in {target_file.name}"
    return row


def validate_warm(bench: Bench) -> None:
    """validate after a one-procedure change, the parse cache filled by an earlier run (a CI
    run after a one-file commit, with its cache kept), against the bare load process."""
    base = bench.need("bare-load-process").seconds
    root = bench.manual()
    command = bench.opsmanual("validate", "--no-git", "-m", str(root))
    note = "opsmanual validate --no-git after one procedure changed (parse cache warm)"
    bench.add(warm_row(bench, "validate-warm", command, 3, base, 0.5, note))


def check_jsonschema(bench: Bench) -> None:
    cli = Path(PYTHON).parent / "check-jsonschema"
    if not cli.exists():
        bench.add(Row("check-jsonschema", None, result="SKIP", note=f"{cli} is not installed"))
        return
    validate_row = bench.need("validate-cli")
    root = bench.manual()
    schema = PROJECT / "schemas" / "procedure.schema.json"
    files = sorted(str(p) for p in (root / "procedures").glob("*.yaml"))
    log(f"timing check-jsonschema on {len(files)} procedure files (once) ...")
    seconds, _, code = bench.best([str(cli), "--schemafile", str(schema), *files], times=1)
    note = "the procedure files only, run once"
    bench.add(Row("check-jsonschema", seconds, note=note if code == 0 else f"exit {code}; {note}"))
    assert validate_row.seconds is not None
    bench.add(
        Row(
            "validate-cli/check-jsonschema",
            validate_row.seconds,
            "check-jsonschema",
            validate_row.seconds / seconds,
            0.2,
            note="the whole manual against check-jsonschema on its procedures",
        )
    )


def render(bench: Bench) -> None:
    if not bench.has_command("render", "opsmanual.render"):
        bench.add(Row("render", None, result="SKIP", note="opsmanual render does not exist yet"))
        return
    base = bench.need("bare-load-process").seconds
    out = bench.work / f"site-n{bench.procedures}"
    command = bench.opsmanual("render", "-m", str(bench.manual()), "-o", str(out))
    with bench.cache("off"):  # every run draws everything, as a first render does
        seconds, _, code = bench.best([*command, "--format", "html"])
    row = Row("render", seconds, "bare-load-process", seconds / base if base else None, 3.0)
    row.note = "opsmanual render --format html, no fragment cache"
    if code != 0:
        row.result, row.note = "FAIL", f"exit code {code}"
    bench.add(row)


def render_site(bench: Bench) -> None:
    """The multi-page site: cold, then warm after a one-file change, against the bare load."""
    if not bench.has_format("site"):
        bench.add(Row("render-site", None, result="SKIP", note="no render --format site yet"))
        return
    base = bench.need("bare-load-process").seconds
    root = bench.manual()
    out = bench.work / f"site-pages-n{bench.procedures}"
    command = bench.opsmanual("render", "-m", str(root), "-o", str(out), "--format", "site")
    with bench.cache("off"):
        seconds, _, code = bench.best(command)
    row = Row("render-site", seconds, "bare-load-process", seconds / base if base else None, 3.0)
    row.note = "opsmanual render --format site, no fragment cache"
    if code != 0:
        row.result, row.note = "FAIL", f"exit code {code}"
    bench.add(row)

    # A CI run after a commit that changed one procedure: the cache holds all the others.
    note = "the site again after one procedure changed (fragment cache warm)"
    bench.add(warm_row(bench, "render-site-warm", command, 2, base, 1.5, note))
    _page_load(bench, out)


ACTION = re.compile(rb"(?m)^(  action: .*)$")
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
PAGE_LOAD = """
var n = performance.getEntriesByType("navigation")[0];
return n && n.loadEventEnd > 0 ? n.loadEventEnd : null;
"""


def _page_load(bench: Bench, site: Path) -> None:
    """The largest page of the site opened from disk in headless Chromium: navigation start to
    the end of the load event (best of --repeat, a fresh browser profile)."""
    pages = sorted(site.glob("*.html"), key=lambda p: (-p.stat().st_size, p.name))
    if not pages:
        bench.add(Row("site-largest-page-load", None, result="FAIL", note="no page written"))
        return
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()) or not importlib.util.find_spec(
        "selenium"
    ):
        note = "needs /usr/bin/chromium, /usr/bin/chromedriver and selenium"
        bench.add(Row("site-largest-page-load", None, result="SKIP", note=note))
        return
    import tempfile

    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    largest = pages[0]
    with tempfile.TemporaryDirectory(prefix="opsmanual-chromium-") as profile:
        options = Options()
        options.binary_location = str(CHROMIUM)
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,900"):
            options.add_argument(flag)
        driver = webdriver.Chrome(
            service=Service(executable_path=str(CHROMEDRIVER)), options=options
        )
        driver.set_page_load_timeout(600)
        loads = []
        try:
            for _ in range(bench.repeat):
                driver.get("about:blank")
                driver.get(largest.as_uri())
                loads.append(float(driver.execute_script(PAGE_LOAD) or "nan") / 1000)
        finally:
            driver.quit()
    size = largest.stat().st_size / 1e6
    note = f"{largest.name}, {size:.1f} MB, of {len(pages)} pages; target: under 2 s"
    row = Row("site-largest-page-load", min(loads), note=note)
    row.result = "PASS" if min(loads) <= 2.0 else "MISS"
    bench.add(row)


def render_pdf(bench: Bench) -> None:
    """The bundled example manual (about 47 pages) to PDF, against its HTML render."""
    if importlib.util.find_spec("weasyprint") is None:
        bench.add(Row("render-pdf", None, result="SKIP", note="WeasyPrint is not installed"))
        return
    example = PROJECT / "manuals" / "operations"
    out = bench.work / "example"
    command = bench.opsmanual("render", "-m", str(example))
    with bench.cache("off"):
        times = bench.in_turns(
            {
                "html": [*command, "-o", str(out / "site"), "--format", "html"],
                "pdf": [*command, "-o", str(out / "handbook.pdf"), "--format", "pdf"],
            }
        )
    html, pdf = times["html"][0], times["pdf"][0]
    bench.add(Row("render-example-html", html, note="manuals/operations as one HTML page"))
    row = Row("render-pdf", pdf, "render-example-html", pdf / html if html else None)
    row.note = "manuals/operations as PDF (WeasyPrint)"
    if times["pdf"][2].startswith("exit code"):
        row.result, row.note = "FAIL", times["pdf"][2]
    bench.add(row)


# A Word handbook is measured at this size: a 10,000-procedure .docx (some 40,000 pages) is not a
# document anyone opens, and its diagrams dominate.
DOCX_PROCEDURES = 2000


def render_docx(bench: Bench) -> None:
    """The Word handbook of a 2,000-procedure manual (at most --procedures), against the HTML
    handbook of the same manual, run in turns."""
    if not bench.has_command("render", "opsmanual.render.docx"):
        bench.add(Row("render-docx", None, result="SKIP", note="no docx format yet"))
        return
    size = min(DOCX_PROCEDURES, bench.procedures)
    manual = str(bench.manual(procedures=size))
    out = bench.work / f"handbook-n{size}"
    jobs = {
        "html": bench.opsmanual("render", "-m", manual, "-o", f"{out}-site"),
        "docx": bench.opsmanual("render", "-m", manual, "-f", "docx", "-o", f"{out}.docx"),
    }
    best = bench.in_turns(jobs)
    html, docx = best["html"][0], best["docx"][0]
    row = Row("render-docx", docx, f"render html n{size}", docx / html if html else None)
    row.note = f"opsmanual render --format docx, {size} procedures"
    if best["docx"][2].startswith("exit code"):
        row.result, row.note = "FAIL", best["docx"][2]
    else:
        megabytes = Path(f"{out}.docx").stat().st_size / 1e6
        row.note += f", {megabytes:.1f} MB"
    bench.add(row)


def diff(bench: Bench) -> None:
    if not bench.has_command("diff", "opsmanual.diff", "opsmanual.cli.history"):
        bench.add(Row("diff", None, result="SKIP", note="opsmanual diff does not exist yet"))
        return
    base = bench.need("bare-load-process").seconds
    root = bench.manual(git=True)
    files = sorted((root / "procedures").glob("*.yaml"))
    target = files[len(files) // 2]
    original = target.read_bytes()
    edited = re.sub(rb"(?m)^title: (.*)$", rb"title: \1 (edited)", original, count=1)
    target.write_bytes(edited)
    try:
        seconds, stdout, code = bench.best(bench.opsmanual("diff", "-m", str(root), "-f", "json"))
    finally:
        target.write_bytes(original)
    row = Row("diff", seconds, "bare-load-process", seconds / base if base else None, 0.1)
    row.note = "opsmanual diff (work tree vs HEAD), one procedure edited"
    if code != 0 or target.stem not in stdout:
        row.result, row.note = "FAIL", f"exit code {code}; the edited procedure is not reported"
    bench.add(row)


def validate_git(bench: Bench) -> None:
    if importlib.util.find_spec("opsmanual.gitaccess") is None:
        bench.add(Row("validate-git", None, result="SKIP", note="opsmanual.gitaccess missing"))
        return
    root = str(bench.manual(records=100, git=True))
    times = bench.in_turns(
        {
            "no-git": [PYTHON, "-c", VALIDATE, root, "no-git"],
            "git": [PYTHON, "-c", VALIDATE, root, "git"],
        }
    )
    base = times["no-git"][0]
    bench.add(Row("validate-no-git-100", base, note="the git manual, 100 records, --no-git"))
    report = json.loads(times["git"][2].strip().splitlines()[-1])
    bench.add(compare("validate-git", report, "validate-no-git-100", base, 1.2, "use_git=True"))


def audit(bench: Bench) -> None:
    """`audit` reads the manual from git objects as committed then, and runs every check."""
    if not bench.has_command("audit", "opsmanual.audit"):
        bench.add(Row("audit", None, result="SKIP", note="opsmanual audit does not exist yet"))
        return
    root = str(bench.manual(records=100, git=True))
    times = bench.in_turns(
        {
            "validate": bench.opsmanual("validate", "-m", root),
            "audit": bench.opsmanual("audit", "-m", root, "--format", "json"),
            "audit-past": bench.opsmanual(
                "audit", "-m", root, "--format", "json", "--as-of", "2026-04-01"
            ),
        }
    )
    base = times["validate"][0]
    bench.add(Row("validate-cli-100", base, note="opsmanual validate, git manual, 100 records"))
    for name, note in (
        ("audit", "opsmanual audit -f json: the manual at HEAD"),
        ("audit-past", "opsmanual audit -f json --as-of 2026-04-01: a commit mid-history"),
    ):
        seconds, _, stdout = times[name]
        ratio = seconds / base if base else None
        row = Row(name, seconds, "validate-cli-100", ratio, 2.0, note=note)
        if stdout.startswith("exit code") or '"version"' not in stdout:
            row.result, row.note = "FAIL", f"{stdout[:60]}; {note}"
        bench.add(row)


def startup(bench: Bench) -> None:
    python, _, _ = bench.best([PYTHON, "-c", "pass"])
    bench.add(Row("python-startup", python, note="python -c pass"))
    seconds, _, code = bench.best(bench.opsmanual("--help"))
    row = Row("startup", seconds, "python-startup", seconds / python, note="opsmanual --help")
    if code != 0:
        row.result, row.note = "FAIL", f"exit code {code}"
    bench.add(row)


def importtime(bench: Bench) -> None:
    """The five packages outside the standard library that cost `opsmanual --help` the most."""
    done = subprocess.run(
        [PYTHON, "-X", "importtime", "-m", "opsmanual", "--help"],
        env=bench.env,
        capture_output=True,
        text=True,
        check=False,
    )
    heaviest: dict[str, float] = {}
    total = 0.0
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not match:
            continue
        cumulative, indent, name = int(match[2]) / 1e6, len(match[3]), match[4]
        if indent == 1:
            total += cumulative
        package = name.split(".")[0]
        if package in sys.stdlib_module_names or package == "opsmanual":
            continue
        if cumulative > heaviest.get(package, 0.0):
            heaviest[package] = cumulative
    ranked = sorted(heaviest.items(), key=lambda item: -item[1])
    bench.imports = [(name, seconds) for name, seconds in ranked[:5] if seconds >= 0.001]
    note = ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in bench.imports)
    bench.add(Row("importtime", total, note=f"opsmanual --help; heaviest: {note}"))


def _compile_opsmanual() -> None:
    """Write the bytecode of the opsmanual that the measured processes import."""
    import compileall

    spec = importlib.util.find_spec("opsmanual")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            compileall.compile_dir(folder, quiet=1)


def _clean(repo: Path) -> bool:
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True, check=False
    )
    return status.returncode == 0 and not status.stdout.strip()


def compare(
    name: str, report: dict[str, float], baseline: str, base: float | None, target: float, note: str
) -> Row:
    row = Row(name, report["seconds"], baseline, report["seconds"] / base if base else None, target)
    row.note = note
    if report.get("errors"):
        row.result, row.note = "FAIL", f"{int(report['errors'])} errors: the manual should be valid"
    return row


BENCHMARKS: dict[str, Callable[[Bench], None]] = {
    "bare-load": bare_load_and_validate,
    "bare-load-process": bare_load_and_validate,
    "validate": bare_load_and_validate,
    "validate-cli": bare_load_and_validate,
    "validate-cli-no-cache": bare_load_and_validate,
    "cache-write": bare_load_and_validate,
    "validate-warm": validate_warm,
    "check-jsonschema": check_jsonschema,
    "render": render,
    "render-site": render_site,
    "render-site-warm": render_site,
    "site-largest-page-load": render_site,
    "render-pdf": render_pdf,
    "render-example-html": render_pdf,
    "render-docx": render_docx,
    "diff": diff,
    "validate-git": validate_git,
    "audit": audit,
    "audit-past": audit,
    "startup": startup,
    "importtime": importtime,
}
ORDER = [
    "bare-load",
    "validate",
    "validate-cli",
    "validate-warm",
    "check-jsonschema",
    "render",
    "render-site",
    "render-pdf",
    "render-docx",
    "diff",
    "validate-git",
    "audit",
    "startup",
    "importtime",
]


def format_row(row: Row) -> str:
    seconds = f"{row.seconds:9.3f}" if row.seconds is not None else f"{'-':>9}"
    ratio = f"{row.ratio:7.2f}x" if row.ratio is not None else f"{'':>8}"
    target = f"<= {row.target:g}x" if row.target is not None else ""
    versus = f"vs {row.baseline}" if row.baseline else ""
    return f"{row.name:<31}{seconds} s  {ratio} {versus:<23} {target:<8} {row.result:<5} {row.note}"


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--procedures", type=int, default=10_000, help="manual size (10000)")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs (3)")
    parser.add_argument(
        "--only", action="append", choices=ORDER, metavar="NAME", help=f"one of {', '.join(ORDER)}"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write results as JSON")
    parser.add_argument(
        "--work", type=Path, default=HERE / ".work", help="cache of generated manuals"
    )
    args = parser.parse_args(argv)
    if args.procedures < 1 or args.repeat < 1:
        parser.error("--procedures and --repeat must be at least 1")
    args.work.mkdir(parents=True, exist_ok=True)
    bench = Bench(args.procedures, args.repeat, args.work.resolve())
    for name in args.only or ORDER:
        try:
            bench.need(name)
        except (OSError, RuntimeError, subprocess.SubprocessError, ValueError) as exc:
            bench.add(Row(name, None, result="FAIL", note=str(exc)))
    # Both say how far the seconds can be trusted: a busy machine slows every side of a
    # comparison, and a command that shares its work among processes gains with more cores.
    cores, load = os.cpu_count(), os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(
        f"opsmanual benchmarks: {args.procedures} procedures, best of {args.repeat}; "
        f"{cores} cores, load average {load if load is None else round(load, 2)} at the end"
    )
    print(f"{'name':<31}{'seconds':>9}    {'ratio':>7}  {'baseline':<23} {'target':<8} result")
    for row in bench.rows:
        print(format_row(row))
    if args.json:
        document = {
            "procedures": args.procedures,
            "repeat": args.repeat,
            "python": sys.version.split()[0],
            "cores": cores,
            "load_average": load,
            "results": [asdict(row) for row in bench.rows],
            "heaviest_imports": [{"package": n, "seconds": s} for n, s in bench.imports],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
