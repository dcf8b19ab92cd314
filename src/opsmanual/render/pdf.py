"""The HTML handbook printed to PDF by WeasyPrint (the optional `pdf` extra)."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from opsmanual.errors import OpsError

MISSING = "the pdf format needs WeasyPrint: pip install 'opsmanual[pdf]'"


def missing_cjk_font() -> bool:
    """True when fontconfig is present and knows no Chinese font (the PDF would show boxes)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False  # cannot tell; WeasyPrint itself needs fontconfig, so say nothing
    try:
        found = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return found.returncode == 0 and not found.stdout.strip()


# WeasyPrint's own progress messages ("Step 5 - Creating layout - Page 3"), in our words. Where
# the time goes for the 47-page example: layout about 55 %, drawing and writing the PDF 20 %,
# styles 10 %, the CJK font subsets 5 % (docs/render.md, "PDF and fonts").
_STEPS = {
    "Step 1": "reading the handbook",
    "Step 2": "reading the styles",
    "Step 3": "applying the styles",
    "Step 4": "building the boxes",
    "Step 5": "laying out pages",
    "Step 6": "drawing the pages",
    "Step 7": "embedding the fonts",
}
_PAGE = re.compile(r"Page (\d+)$")


class _Steps(logging.Handler):
    """Passes WeasyPrint's progress log on as short lines: `laying out pages: 12`."""

    def __init__(self, step: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self.step = step

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        words = _STEPS.get(message.split(" - ", 1)[0])
        if words is None:
            return
        page = _PAGE.search(message)
        self.step(f"{words}: page {page.group(1)}" if page else words)


@contextmanager
def _reporting(step: Callable[[str], None] | None) -> Iterator[None]:
    if step is None:
        yield
        return
    logger = logging.getLogger("weasyprint.progress")
    handler = _Steps(step)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def write_pdf(html: str, target: Path, step: Callable[[str], None] | None = None) -> None:
    """Print `html` to `target`. No base URL: the handbook references no file or network.
    `step` hears what is being done, for a progress line on a terminal."""
    try:
        import weasyprint
    except ImportError as exc:
        raise OpsError(MISSING) from exc
    except OSError as exc:  # WeasyPrint installed but Pango or its libraries are not
        raise OpsError(
            f"WeasyPrint cannot start ({exc}); install Pango (Debian: libpango-1.0-0)"
        ) from exc
    try:
        with _reporting(step):
            weasyprint.HTML(string=html, base_url=None).write_pdf(target, uncompressed_pdf=False)
    except OSError as exc:
        raise OpsError(f"cannot write {target}: {exc.strerror or exc}") from exc
