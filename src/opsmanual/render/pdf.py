"""The HTML handbook printed to PDF by WeasyPrint (the optional `pdf` extra)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

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


def write_pdf(html: str, target: Path) -> None:
    """Print `html` to `target`. No base URL: the handbook references no file or network."""
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
    document = weasyprint.HTML(string=html, base_url=None)
    try:
        document.write_pdf(target, uncompressed_pdf=False)
    except OSError as exc:
        raise OpsError(
            _("cannot write {path}: {reason}", path=target, reason=exc.strerror or exc)
        ) from exc
