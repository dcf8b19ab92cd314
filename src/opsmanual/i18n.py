"""The CLI's own words in the user's language: gettext catalogs, chosen per cli.md 1.1.

Messages are written in English in the code and marked for extraction: `_("text {name}",
name=value)` translates and then fills the named fields, `ngettext(...)` chooses a plural form,
`N_("text")` only marks a text kept in a table and translated where it is shown. Babel extracts
the marked texts (`babel.cfg`; docs/translating.md); the catalogs live in `locale/<lang>/
LC_MESSAGES/opsmanual.po`, compiled to `.mo` next to them, and the standard library's gettext
reads the `.mo` at run time, so Babel is needed only to extract and compile.

The language is read from the environment at each call (cheap) and its catalog loaded on first
use: English needs no catalog, so an English run never opens a file or imports gettext.
Finding codes, JSON keys and ids are never passed through here.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

DOMAIN = "opsmanual"
ENGLISH = "en"
CHINESE = "zh_CN"
# The catalogs shipped: `en` is the source language and needs none.
CATALOGS = (CHINESE,)

# Locale names that mean simplified Chinese, after normalising (lower case, `-` to `_`,
# encoding and modifier dropped). zh_TW and zh_HK write traditional characters: not these.
_SIMPLIFIED = {"zh", "zh_cn", "zh_sg", "zh_hans", "zh_hans_cn", "zh_my"}
_ENGLISH_LIKE = {"c", "posix"}


class _Catalog(Protocol):
    def gettext(self, message: str, /) -> str: ...
    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...
    def pgettext(self, context: str, message: str, /) -> str: ...


_loaded: dict[str, _Catalog | None] = {}


def normalize(name: str) -> str | None:
    """`zh_CN.UTF-8`, `zh-CN`, `zh_CN@x`, `zh` -> "zh_CN"; `en_US`, `C` -> "en"; else None."""
    base = name.strip().split(".", 1)[0].split("@", 1)[0].replace("-", "_").lower()
    if not base:
        return None
    if base in _SIMPLIFIED:
        return CHINESE
    if base in _ENGLISH_LIKE or base == "en" or base.startswith("en_"):
        return ENGLISH
    return None


def choose_language(environ: Mapping[str, str] | None = None) -> str:
    """The language of messages: `OPSMANUAL_LANG`, else the locale as gettext reads it.

    As Python's gettext: the first non-empty of LANGUAGE, LC_ALL, LC_MESSAGES, LANG, a
    colon-separated list (`zh_CN:en`) tried in order; C or POSIX means English. English when
    no name in it has a catalog.
    """
    env = os.environ if environ is None else environ
    own = env.get("OPSMANUAL_LANG", "").strip()
    if own:
        return normalize(own) or ENGLISH
    value = next((env[k] for k in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG") if env.get(k)), "")
    for candidate in value.split(":"):
        found = normalize(candidate)
        if found is not None:
            return found
    return ENGLISH


def language() -> str:
    """The language of this moment's messages: "en" or "zh_CN"."""
    return choose_language()


def is_chinese() -> bool:
    return language() == CHINESE


def _catalog(lang: str) -> _Catalog | None:
    if lang == ENGLISH:
        return None
    if lang not in _loaded:
        _loaded[lang] = _read_catalog(lang)
    return _loaded[lang]


def _read_catalog(lang: str) -> _Catalog | None:
    import gettext  # here: an English run never needs it (click has usually imported it)

    # The package's own folder: importlib.resources would cost more start-up than the read.
    path = Path(__file__).parent / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        return gettext.GNUTranslations(io.BytesIO(path.read_bytes()))
    except (OSError, ValueError, UnicodeDecodeError):  # a broken install speaks English
        return None


def _fill(text: str, english: str, params: dict[str, Any]) -> str:
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):  # a broken field in a translation: use English
        return english.format(**params)


def _(message: str, /, **params: Any) -> str:
    """`message` in the current language, its `{named}` fields filled from `params`."""
    catalog = _catalog(language())
    text = catalog.gettext(message) if catalog is not None else message
    return _fill(text, message, params)


def ngettext(singular: str, plural: str, n: int, /, **params: Any) -> str:
    """The form for `n` in the current language; `{n}` and other named fields filled."""
    english = singular if n == 1 else plural
    catalog = _catalog(language())
    text = catalog.ngettext(singular, plural, n) if catalog is not None else english
    return _fill(text, english, {"n": n, **params})


def pgettext(context: str, message: str, /, **params: Any) -> str:
    """`message` in the current language, told apart from the same English in another
    `context` ("returned" the status, "returned" the column)."""
    catalog = _catalog(language())
    text = catalog.pgettext(context, message) if catalog is not None else message
    return _fill(text, message, params)


def N_(message: str, /) -> str:
    """Mark `message` for extraction only; it is translated with `_` where it is shown."""
    return message


def listing(items: Iterable[str]) -> str:
    """Items joined as the language lists them: "a, b, c" / "a、b、c"."""
    # TRANSLATORS: the separator between the items of a list; Chinese uses 、
    return _(", ").join(items)


def position(number: int, step_id: str | None = None) -> str:
    """A position as a person counts it: "step 3 `review`" / "第 3 步 `review`"."""
    if step_id:
        return _("step {number} `{id}`", number=number, id=step_id)
    return _("step {number}", number=number)
