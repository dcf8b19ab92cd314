"""The HTML handbook printed to PDF by WeasyPrint (the optional `pdf` extra)."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from opsmanual.errors import OpsError
from opsmanual.i18n import N_, _

MISSING = N_("the pdf format needs WeasyPrint: pip install 'opsmanual[pdf]'")


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


def allowed_url(url: str) -> bool:
    """What the PDF may load: `data:` URLs and the package's own template files. Never the
    network, never another file (a user template's `<link rel=attachment href=/etc/...>`)."""
    from urllib.parse import unquote, urlsplit

    from opsmanual.resources import resource_dir

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return True
    if scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    ours = Path(str(resource_dir("templates"))).resolve()
    wanted = Path(unquote(parts.path)).resolve()
    return wanted.is_relative_to(ours)


def _url_fetcher(weasyprint: Any) -> Any:
    """WeasyPrint's fetcher, refusing every URL `allowed_url` does not accept."""
    urls = weasyprint.urls
    if hasattr(urls, "URLFetcher"):  # WeasyPrint 68 and later

        class Refusing(urls.URLFetcher):  # type: ignore[misc,name-defined]
            def fetch(self, url: str, headers: Any = None) -> Any:
                if not allowed_url(url):
                    raise ValueError(_("the handbook may not load {url}", url=url[:80]))
                return super().fetch(url, headers)

        return Refusing(allowed_protocols=("data", "file"), allow_redirects=False)

    def fetch(url: str, timeout: int = 10, ssl_context: Any = None) -> Any:
        if not allowed_url(url):
            raise ValueError(_("the handbook may not load {url}", url=url[:80]))
        return urls.default_url_fetcher(url, timeout, ssl_context)

    return fetch


# WeasyPrint's own progress messages ("Step 5 - Creating layout - Page 3"), in our words. Where
# the time goes for the 48-page example, laid out once: layout about half, drawing and writing
# the PDF a quarter, styles and boxes a fifth (docs/render.md, "PDF and fonts").
_STEPS = {
    "Step 1": N_("reading the handbook"),
    "Step 2": N_("reading the styles"),
    "Step 3": N_("applying the styles"),
    "Step 4": N_("building the boxes"),
    "Step 5": N_("laying out pages"),
    "Step 6": N_("drawing the pages"),
    "Step 7": N_("embedding the fonts"),
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
        shown = _(words)
        self.step(_("{step}: page {page}", step=shown, page=page.group(1)) if page else shown)


@contextmanager
def reporting(step: Callable[[str], None] | None) -> Iterator[None]:
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


def _weasyprint() -> Any:
    try:
        import weasyprint
    except ImportError as exc:
        raise OpsError(_(MISSING)) from exc
    except OSError as exc:  # WeasyPrint installed but Pango or its libraries are not
        raise OpsError(
            _(
                "WeasyPrint cannot start ({problem}); install Pango (Debian: libpango-1.0-0)",
                problem=exc,
            )
        ) from exc
    return weasyprint


def lay_out(html: str, stylesheet: str = "") -> Any:
    """The laid-out document (WeasyPrint's). No base URL: the handbook references no file.

    `stylesheet` goes into the page's head: WeasyPrint 70 drops `@page :nth()` rules given to
    it as a separate stylesheet.
    """
    weasyprint = _weasyprint()
    if stylesheet:
        head_end = html.find("</head>")
        if head_end >= 0:
            html = f"{html[:head_end]}<style>{stylesheet}</style>{html[head_end:]}"
    # No base URL, and a fetcher that refuses everything but data URLs and our own resources:
    # rendering never reads other files or touches the network.
    fetcher = _url_fetcher(weasyprint)
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).render()


def save(document: Any, target: Path, pages: Sequence[Any] | None = None) -> None:
    """Write the document, or only `pages` of it (pages of several documents may be mixed)."""
    chosen = document if pages is None else document.copy(list(pages))
    try:
        chosen.write_pdf(target, uncompressed_pdf=False)
    except OSError as exc:
        raise OpsError(
            _("cannot write {path}: {reason}", path=target, reason=exc.strerror or exc)
        ) from exc


def write_pdf(html: str, target: Path, step: Callable[[str], None] | None = None) -> None:
    """Print `html` to `target` in one layout (a page with no procedure marks to add); `step`
    hears what is being done, for a progress line on a terminal."""
    with reporting(step):
        save(lay_out(html), target)
