"""The org chart and flow diagrams as PNG pictures for the Word handbook (CairoSVG, offline).

The pictures are the very SVG drawings of the HTML handbook (svg.py), slice by slice (a slice
fits a page; Word cannot split a picture across pages either), rasterized at print resolution
for the width they are shown at. CairoSVG draws text with one font family: the first CJK font
fontconfig knows, which also holds Latin letters, so Chinese labels never show as boxes.

The drawing is flattened on white and stored with a 16-colour palette: a diagram has a handful
of colours, and the palette makes the file a quarter of the size and much faster to encode than
cairo's own 32-bit PNG (a 2,000-procedure handbook holds 2,000 of them).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from opsmanual.errors import OpsError
from opsmanual.i18n import N_, _
from opsmanual.render.svg import Diagram, to_svg

MISSING = N_("the docx format draws its diagrams with CairoSVG: pip install 'opsmanual[docx]'")
DPI = 220  # Word's own "print" resolution (File > Options > Advanced > Image size and quality)
COLOURS = 16
PX_PER_INCH = 96.0  # the SVG's px
EMU_PER_PX = 9525  # 914400 EMU per inch / 96
# Families tried in order; each one carries Latin letters as well as Chinese.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Microsoft YaHei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
)


@dataclass(frozen=True)
class Picture:
    """One slice of a diagram: PNG bytes and the size it is shown at, in EMU."""

    png: bytes
    width: int
    height: int


@lru_cache(maxsize=1)
def font_family() -> str:
    """The first of CJK_FAMILIES that fontconfig lists; `sans-serif` when none or no fc-list."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return "sans-serif"
    try:
        found = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "sans-serif"
    names = {name.strip() for line in found.splitlines() for name in line.split(",")}
    return next((f for f in CJK_FAMILIES if f in names), "sans-serif")


def check_available() -> None:
    """Fail early, in one line, when CairoSVG or the cairo library is missing."""
    _cairosvg()


def _cairosvg() -> Any:
    try:
        import cairosvg
        import cairosvg.surface
    except ImportError as exc:
        raise OpsError(_(MISSING)) from exc
    except OSError as exc:  # CairoSVG installed but libcairo is not
        raise OpsError(
            _(
                "CairoSVG cannot start ({problem}); install the cairo library (Debian: libcairo2)",
                problem=exc,
            )
        ) from exc
    return cairosvg


def pictures(diagram: Diagram, label: str, css: str, max_width_emu: int) -> list[Picture]:
    """The diagram's slices as pictures no wider than `max_width_emu`."""
    if not diagram.boxes:
        return []
    cairosvg = _cairosvg()
    fit = min(1.0, max_width_emu / (diagram.width * EMU_PER_PX)) if diagram.width else 1.0
    scale = DPI / PX_PER_INCH * fit
    family = font_family()
    out = []
    # to_svg writes the slices one after another; every text inside is escaped, so `</svg>`
    # only ever ends a slice.
    for piece in to_svg(diagram, label, css).split("</svg>")[:-1]:
        svg = piece.replace(
            "<svg ", f'<svg xmlns="http://www.w3.org/2000/svg" font-family="{family}" ', 1
        )
        svg += "</svg>"
        png = _png(cairosvg, svg, scale)
        width, height = _size(svg)
        out.append(Picture(png, round(width * EMU_PER_PX * fit), round(height * EMU_PER_PX * fit)))
    return out


def _png(cairosvg: Any, svg: str, scale: float) -> bytes:
    from PIL import Image

    tree = cairosvg.parser.Tree(bytestring=svg.encode("utf-8"))
    surface = cairosvg.surface.PNGSurface(tree, None, PX_PER_INCH, scale=scale).cairo
    surface.flush()
    size = (surface.get_width(), surface.get_height())
    drawn = Image.frombuffer("RGBA", size, bytes(surface.get_data()), "raw", "BGRA", 0, 1)
    flat = Image.new("RGB", size, (255, 255, 255))
    flat.paste(drawn, mask=drawn.getchannel("A"))
    out = io.BytesIO()
    flat.quantize(COLOURS, method=Image.Quantize.FASTOCTREE).save(out, "PNG", compress_level=6)
    return out.getvalue()


def _size(svg: str) -> tuple[float, float]:
    head = svg[: svg.index(">")]
    width = float(head.split(' width="', 1)[1].split('"', 1)[0])
    height = float(head.split(' height="', 1)[1].split('"', 1)[0])
    return width, height
