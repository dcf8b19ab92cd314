"""How each command's result is written out: one module per command, one registry per module.

Every module here has `REPORTERS`, a mapping from a `--format` name to a pure function that
returns the text to print (no trailing newline; the command layer prints it). The command's
format enum in `cli/` lists the same names, checked by `tests/test_reporters.py`, and the
command looks its reporter up by name: a new format is a function and a row in `REPORTERS`
(and its name in the enum). Drawing tables with rich on a terminal stays in `cli/`.
"""

from __future__ import annotations

# Characters a terminal acts on instead of showing (ESC starts a control sequence, BEL rings, CR
# overwrites the line) or that reorder what is shown: printed as visible escapes, so that no
# manual text (a name, a summary, a YAML error quoting the file) reaches the terminal raw.
_UNPRINTABLE = {
    code: f"\\u{code:04x}"  # the JSON spelling, so a JSON document on stdout stays valid
    for code in (
        *range(0x00, 0x09),
        *range(0x0B, 0x20),
        *range(0x7F, 0xA0),
        0x2028,
        0x2029,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    )
}


def printable(text: str) -> str:
    """`text` with every control character but newline and tab as a visible escape (`\\u001b`)."""
    return text.translate(_UNPRINTABLE)


# ANSI colour codes, bold (what click's `style(fg=..., bold=True)` writes).
_ANSI = {"green": "32", "red": "31", "yellow": "33"}


def tint(text: str, colour: str) -> str:
    """`text` in bold `colour` for a terminal, its own control characters made visible (the
    command prints coloured text as it is, so the reporter escapes what the manual wrote)."""
    return f"\x1b[{_ANSI[colour]}m\x1b[1m{printable(text)}\x1b[0m"


def aligned(headers: tuple[str, ...], cells: list[tuple[str, ...]]) -> list[str]:
    """A plain-text table: columns padded to their widest cell, no trailing spaces."""
    # The width table rich draws its terminal tables with, so the plain table (off a terminal)
    # lines up as the drawn one does; a pure function, no terminal output.
    from rich.cells import cell_len  # noqa: TID251  (CJK names take two columns each)

    table = [headers, *cells]
    widths = [max(cell_len(line[i]) for line in table) for i in range(len(headers))]
    return [
        "  ".join(
            cell + " " * (width - cell_len(cell)) for cell, width in zip(line, widths, strict=True)
        ).rstrip()
        for line in table
    ]
