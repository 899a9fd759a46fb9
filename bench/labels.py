#!/usr/bin/env python
"""Benchmark: drawing own shipping labels (PDF and ZPL) and composing 1,000 labels into one document.

    .venv/bin/python bench/labels.py                 # all cases, results recorded in bench/results/
    options: --runs N (7)  --labels N (200 PDF labels a run; ZPL draws 10 × as many)  --compose N (1000)
             --compose-runs N (5)  --label WORD (added to the results' file name)  --no-record

Labels: a pool of 50 own labels with varied senders, recipients (a third with letters such as ä, ø, ß, Ł, a few
with letters the label font lacks), parcel numbers and notes, drawn in turn, so that no cache sees one label
over and over. Each case runs `--runs` times; the figures are medians of the runs: wall-clock time, and the
process's CPU time (time.process_time), which other load on a shared machine changes less. "Per core" is labels
per CPU-second: the benchmark is one thread.

The bare ReportLab page is the same drawing without Orderly: every canvas call one label's drawing makes (the same
strings at the same places and sizes, the same bar rectangles) is recorded once per label outside the timing, then
replayed onto a fresh ReportLab canvas with Vera registered as a plain TTFont, and saved: what ReportLab itself
costs for the page. It runs in a process of its own that imports no Orderly module (ReportLab hands every font of
one face the object registered first, so in one process the bare page would share Orderly's font caches), taking
turns with Orderly's runs. The ratio is Orderly's time over the bare page's, measured in the same run.

Compose: `--compose` labels drawn once as 4 × 6 in PDFs (and as ZPL), then composed into pdf-a4 (four a page),
pdf-a6 (each scaled to A6) and zpl; target under 10 s.
"""

import argparse
import datetime as dt
import io
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from benchkit import smoke_argument

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
TARGETS = {"pdf": 200, "zpl": 2000, "compose_s": 10.0}
NAMES = [
    "Anna de Vries", "Jan Jansen", "Lukas Müller", "Sophie Dubois", "Łukasz Kowalski", "Søren Kierkegaard",
    "José García Pérez", "Zoë Brontë", "Björn Åström", "Małgorzata Wiśniewska", "Jiří Dvořák", "Ólafur Jónsson",
    "Peter O'Neill", "Émilie Laurent", "Gerhard Weiß", "Chiara Rossi", "Noah van den Berg", "Ines Peeters",
]  # fmt: skip
CITIES = [("1012 AB", "Amsterdam", "NL"), ("10115", "Berlin", "DE"), ("75002", "Paris", "FR"),
          ("1000", "Bruxelles", "BE"), ("00-001", "Warszawa", "PL"), ("1050", "København K", "DK")]  # fmt: skip


def label_pool(count: int = 50) -> list:
    from orderly.carriers.connectors.base import Address
    from orderly.carriers.labels import OwnLabel

    rng = random.Random(13)
    sender = Address(name="Koffiebranderij De Zwaan", company="De Zwaan B.V.", street="Prinsengracht 263",
                     postal_code="1016 GV", city="Amsterdam", country="NL")  # fmt: skip
    labels = []
    for n in range(count):
        postal_code, city, country = rng.choice(CITIES)
        recipient = Address(
            name=rng.choice(NAMES), company=rng.choice(["", "", "Café Ørsted", "Bäckerei Schäfer GmbH"]),
            street=f"{rng.choice(['Hauptstraße', 'Rue de la Paix', 'Kerkstraat', 'ul. Długa'])} {rng.randint(1, 300)}",
            postal_code=postal_code, city=city, country=country,
        )  # fmt: skip
        labels.append(
            OwnLabel(
                sender=sender, recipient=recipient, order_number=f"OR-{4000 + n:06d}",
                parcel_number=f"PA-{rng.randint(1, 999_999):06d}", weight_kg=Decimal(rng.randint(100, 20_000)) / 1000,
                service=rng.choice(["Standard parcel", "Express", "Mailbox parcel"]), carrier="Own courier",
                shipped_on=dt.date(2026, 11, 30), reference=rng.choice(["", "PO 55-A"]),
                notes=rng.choice(["", "", "Leave with neighbour"]),
            )
        )  # fmt: skip
    return labels


class Recorder:
    """Stands in for a ReportLab canvas and keeps the calls made on it, a path's rectangles with its drawPath."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []

    def beginPath(self):
        return _PathRecorder()

    def drawPath(self, path, **kwargs):
        self.calls.append(("drawPath", (path.rects,), kwargs))

    def __getattr__(self, name):
        return lambda *args, **kwargs: self.calls.append((name, args, kwargs))


class _PathRecorder:
    def __init__(self) -> None:
        self.rects: list[tuple] = []

    def rect(self, *args):
        self.rects.append(args)


def bare_page(calls, size, fonts: dict[str, str]) -> bytes:
    """The recorded drawing replayed on a plain ReportLab canvas, fonts renamed by `fonts`."""
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=size, invariant=True, pageCompression=1)
    for name, args, kwargs in calls:
        if name == "drawPath":
            path = canvas.beginPath()
            for rect in args[0]:
                path.rect(*rect)
            canvas.drawPath(path, **kwargs)
        elif name == "setFont":
            canvas.setFont(fonts[args[0]], *args[1:])
        else:
            getattr(canvas, name)(*args, **kwargs)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def timed(functions: dict, runs: int) -> dict[str, dict]:
    """Medians over `runs` calls of each function, wall-clock and CPU seconds; the functions take turns within
    each run, so that a change in the machine's other load falls on all of them alike. A function that returns
    (wall, cpu) seconds itself (one run in another process) is taken at its word."""
    walls: dict[str, list[float]] = {name: [] for name in functions}
    cpus: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(runs):
        for name, function in functions.items():
            wall, cpu = time.perf_counter(), time.process_time()
            reported = function()
            if isinstance(reported, tuple):
                wall, cpu = reported
            else:
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            walls[name].append(wall)
            cpus[name].append(cpu)
    return {
        name: {"wall_s": statistics.median(walls[name]), "cpu_s": statistics.median(cpus[name])} for name in functions
    }


def bare_worker(recordings_path: str) -> int:
    """The bare page's process: plain ReportLab with Vera registered by itself, no Orderly module imported (so no
    cache of Orderly's sits on the font). Each `run N` line on stdin draws N pages and answers `wall cpu`."""
    import pickle

    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    font_dir = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont("BareVera", str(font_dir / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont("BareVera-Bold", str(font_dir / "VeraBd.ttf")))
    recordings, size, fonts = pickle.loads(Path(recordings_path).read_bytes())
    plain = {fonts[0]: "BareVera", fonts[1]: "BareVera-Bold"}
    for line in sys.stdin:
        count = int(line.split()[1])
        wall, cpu = time.perf_counter(), time.process_time()
        for n in range(count):
            bare_page(recordings[n % len(recordings)], size, plain)
        print(time.perf_counter() - wall, time.process_time() - cpu, flush=True)
    return 0


def measure_drawing(args) -> list[dict]:
    import pickle
    import tempfile

    from orderly.carriers.connectors.base import LabelFormat
    from orderly.carriers.labels import draw_pdf, draw_zpl, fonts
    from orderly.carriers.labels.pdf import draw_label, page_size

    pool = label_pool()
    size = page_size(LabelFormat.PDF_4X6)
    recordings = []
    for label in pool:
        recorder = Recorder()
        draw_label(recorder, label, 0, 0, *size)
        recordings.append(recorder.calls)
    count = args.labels
    with tempfile.NamedTemporaryFile(suffix=".pickle") as file:
        file.write(pickle.dumps((recordings, size, (fonts.REGULAR, fonts.BOLD))))
        file.flush()
        worker = subprocess.Popen([sys.executable, __file__, "--bare-worker", file.name], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)  # fmt: skip

        def pdf():
            for n in range(count):
                draw_pdf(pool[n % len(pool)], LabelFormat.PDF_4X6)

        def bare():
            worker.stdin.write(f"run {count}\n")
            worker.stdin.flush()
            wall, cpu = worker.stdout.readline().split()
            return float(wall), float(cpu)

        def zpl():
            for n in range(count * 10):
                draw_zpl(pool[n % len(pool)])

        pdf(), bare(), zpl()  # warm-up: fonts loaded, caches filled as in a running worker
        cases = {"PDF 4×6, Orderly": (pdf, count), "PDF 4×6, bare ReportLab page": (bare, count),
                 "ZPL 4×6, Orderly": (zpl, count * 10)}  # fmt: skip
        figures = timed({case: function for case, (function, _labels) in cases.items()}, args.runs)
        worker.stdin.close()
        worker.wait()
    return [{"case": case, "labels": labels, **figures[case]} for case, (_function, labels) in cases.items()]


def measure_compose(args) -> list[dict]:
    from orderly.carriers.connectors.base import LabelFormat
    from orderly.carriers.labels import compose, draw_pdf, draw_zpl

    pool = label_pool()
    pdfs = [draw_pdf(pool[n % len(pool)], LabelFormat.PDF_4X6) for n in range(args.compose)]
    zpls = [draw_zpl(pool[n % len(pool)]) for n in range(args.compose)]
    rows = []
    for fmt, documents in ((LabelFormat.PDF_A4, pdfs), (LabelFormat.PDF_A6, pdfs), (LabelFormat.ZPL, zpls)):
        output = compose(documents, fmt)
        figures = timed({fmt: lambda fmt=fmt, documents=documents: compose(documents, fmt)}, args.compose_runs)[fmt]
        rows.append({"case": f"compose {args.compose:,} → {fmt}", "labels": args.compose, "bytes": len(output),
                     **figures})  # fmt: skip
    return rows


def table(drawing: list[dict], composing: list[dict]) -> str:
    lines = ["| case | labels a run | median wall s | labels/s (wall) | CPU ms a label | labels/s per core (CPU) "
             "| target |", "|---|---:|---:|---:|---:|---:|---|"]  # fmt: skip
    for row in drawing:
        target = TARGETS["zpl" if "ZPL" in row["case"] else "pdf"] if "Orderly" in row["case"] else None
        per_core = row["labels"] / row["cpu_s"]
        verdict = f"≥ {target:,} — {'met' if per_core >= target else 'MISSED'}" if target else ""
        lines.append(f"| {row['case']} | {row['labels']:,} | {row['wall_s']:.3f} | "
                     f"{row['labels'] / row['wall_s']:,.0f} | {1000 * row['cpu_s'] / row['labels']:.2f} | "
                     f"{per_core:,.0f} | {verdict} |")  # fmt: skip
    ours, bare = drawing[0], drawing[1]
    lines.append(f"| ratio Orderly / bare page (PDF) | | {ours['wall_s'] / bare['wall_s']:.2f} | | "
                 f"{ours['cpu_s'] / bare['cpu_s']:.2f} | | |")  # fmt: skip
    for row in composing:
        ok = "met" if row["wall_s"] < TARGETS["compose_s"] else "MISSED"
        lines.append(f"| {row['case']} ({row['bytes'] / 1e6:.1f} MB) | {row['labels']:,} | {row['wall_s']:.3f} | "
                     f"{row['labels'] / row['wall_s']:,.0f} | {1000 * row['cpu_s'] / row['labels']:.2f} | "
                     f"{row['labels'] / row['cpu_s']:,.0f} | < 10 s — {ok} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--labels", type=int, default=200)
    parser.add_argument("--compose", type=int, default=1000)
    parser.add_argument("--compose-runs", type=int, default=5)
    parser.add_argument("--label", default="")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--bare-worker", help=argparse.SUPPRESS)
    smoke_argument(parser)
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.labels, args.compose, args.compose_runs, args.no_record = 1, 5, 10, 1, True
    if args.bare_worker:
        return bare_worker(args.bare_worker)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderly.settings")
    sys.path.insert(0, str(ROOT / "src"))
    load_before = os.getloadavg()
    markdown = table(measure_drawing(args), measure_compose(args))
    load_after = os.getloadavg()
    print(markdown, end="")
    if not args.no_record:
        RESULTS_DIR.mkdir(exist_ok=True)
        stamp = time.strftime("%Y-%m-%d-%H%M", time.gmtime())
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        path = RESULTS_DIR / f"labels-{stamp}{'-' + args.label if args.label else ''}.md"
        path.write_text(
            f"# labels {stamp} UTC, commit {commit}, Python {platform.python_version()}\n\n"
            f"{os.cpu_count()} CPUs shared with other work; load average {load_before[0]:.1f} before, "
            f"{load_after[0]:.1f} after. Medians of {args.runs} runs (drawing) and {args.compose_runs} (compose).\n\n"
            + markdown
        )
        print(f"recorded {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
