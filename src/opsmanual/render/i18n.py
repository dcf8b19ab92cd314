"""The handbook's own words, one JSON file per language in `templates/locale/`.

A translator adds a language by copying `en.json`; the keys are the contract with the templates.
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from opsmanual.errors import OpsError
from opsmanual.i18n import _
from opsmanual.resources import resource_dir

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 105 -> 一百零五 (chapter numbers)."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if rest == 0 else ("零" if rest < 10 else "") + chinese_number(rest)
    if 10 <= rest < 20:
        tail = "一" + tail
    return _DIGITS[n // 100] + "百" + tail if n < 1000 else str(n)


@dataclass(frozen=True)
class Words:
    """The words of one language, and how it writes dates and numbers."""

    language: str
    table: dict[str, Any]

    def __post_init__(self) -> None:
        # Each word as an attribute of its own: templates read `t.x` hundreds of thousands of
        # times in a large handbook, and a plain attribute is far quicker than __getattr__.
        # A word named like a method or field (`format`, `table`) stays reachable as t["..."].
        for key, value in self.table.items():
            if (
                key.isidentifier()
                and not hasattr(type(self), key)
                and key not in ("language", "table")
            ):
                object.__setattr__(self, key, value)

    def __getitem__(self, key: str) -> Any:
        return self.table[key]

    def __getattr__(self, key: str) -> Any:
        # Templates write `t.updates`; a missing key is a bug in a locale file, said plainly.
        try:
            return self.table[key]
        except KeyError:
            raise AttributeError(f"no word {key!r} in locale {self.language}") from None

    def format(self, key: str, **values: Any) -> str:
        return safe_format(str(self.table[key]), values, f"{self.language}:{key}")

    def date_text(self, day: date | None) -> str:
        if day is None:
            return ""
        months: list[str] = self.table["month_names"]
        month_name = months[day.month - 1] if months else str(day.month)
        return self.format(
            "date_format", year=day.year, month=day.month, day=day.day, month_name=month_name
        )

    def datetime_text(self, moment: datetime | None) -> str:
        """The wall-clock time as written, in its own offset: never converted to this machine's."""
        if moment is None:
            return ""
        return f"{self.date_text(moment.date())} {moment:%H:%M}"

    def chapter_label(self, n: int) -> str:
        number = chinese_number(n) if self.table.get("chinese_numerals") else str(n)
        return self.format("chapter", n=number)

    def join(self, items: list[str]) -> str:
        return str(self.table["list_sep"]).join(items)


# A placeholder's format spec: at most an alignment, a zero and one digit of width (`{day:02}`).
_SPEC = re.compile(r"[<>^]?0?[0-9]?")


def safe_format(text: str, values: dict[str, Any], where: str) -> str:
    """`text.format(**values)` for text a locale file or template controls: a placeholder is a
    bare name of `values`, never an attribute, index or conversion (`{n.__globals__}`, `{n!r}`),
    so nothing a locale file says can reach Python objects."""
    out: list[str] = []
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise OpsError(
            _("the word {where} is not a valid pattern ({problem})", where=where, problem=exc)
        ) from None
    for literal, name, spec, conversion in parts:
        out.append(literal)
        if name is None:
            continue
        if name not in values or conversion or not _SPEC.fullmatch(spec or ""):
            known = ", ".join("{" + k + "}" for k in values)
            raise OpsError(
                _(
                    "the word {where} has the placeholder {name}; it may use only {known}",
                    where=where,
                    name="{" + str(name) + "}",
                    known=known,
                )
            )
        out.append(format(values[name], spec or ""))
    return "".join(out)


def load_words(language: str, user_dir: Path | None = None) -> Words:
    """Our words for `language` (English when we have none), updated by the user's own
    `locale/<language>.json` in a `--templates` folder, key by key."""
    folder = resource_dir("templates").joinpath("locale")
    entry = folder.joinpath(f"{language}.json")
    if not entry.is_file():
        entry = folder.joinpath("en.json")
    table = _read(entry, language)
    if user_dir is not None:
        own = user_dir / "locale" / f"{language}.json"
        if own.is_file():
            table.update(_read(own, language))
    return Words(language, table)


def _read(entry: Traversable | Path, language: str) -> dict[str, Any]:
    try:
        table = json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OpsError(
            _(
                "cannot read the handbook's words for {language} ({path}): {problem}",
                language=language,
                path=entry,
                problem=exc,
            )
        ) from exc
    if not isinstance(table, dict):
        raise OpsError(_("{path} must hold a JSON object of words", path=entry))
    return table
