"""Files shipped with the package: the JSON Schemas and the Jinja2 templates."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def resource_dir(name: str) -> Traversable:
    """`schemas` or `templates`: inside the wheel, or at the top of a source checkout."""
    packaged = files("opsmanual").joinpath(name)
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / name
