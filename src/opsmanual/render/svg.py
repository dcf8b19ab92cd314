"""Org chart and flow diagram: a small layered layout, then plain SVG text.

Layout and drawing are separate so that tests can check the geometry (no overlapping boxes, edges
ending on boxes) without parsing SVG. Every number is rounded the same way, so the same input
gives the same bytes.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

# What markupsafe.escape writes for each character, as a table for str.translate: the same
# bytes, without making a Markup object for each of the hundred thousand strings of a large
# manual's diagrams (a tenth of their drawing).
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;", '"': "&#34;"})


def escape(text: str) -> str:
    return text.translate(_ESCAPES)


NO_LINE_START = set("，。、；：？！）」』”’》〉】,.;:?!)")
FONT = 12.0  # px, text inside boxes
LINE = 15.0  # px, line height inside boxes
PAD = 8.0


# Memo tables (docs/architecture.md, "Speed"): per character, short word and coordinate. A table
# that reaches MEMO_LIMIT entries starts again, so a long-lived caller's memory stays bounded.
MEMO_LIMIT = 50_000
_WIDTHS: dict[str, float] = {}


def char_em(char: str) -> float:
    """Estimated advance of one character in em: CJK and other wide characters 1, Latin 0.55."""
    if char < "\u1100":
        return 0.55
    em = _WIDTHS.get(char)
    if em is None:
        em = _WIDTHS[char] = 1.0 if unicodedata.east_asian_width(char) in "WF" else 0.55
    return em


_EMS: dict[str, float] = {}


def text_width(text: str, size: float = FONT) -> float:
    # Wrapping measures the same words and characters over and over: remember the short ones.
    em = _EMS.get(text)
    if em is None:
        em = sum(map(char_em, text))
        if len(text) <= 24:
            if len(_EMS) >= MEMO_LIMIT:
                _EMS.clear()
            _EMS[text] = em
    return em * size


def wrap(text: str, width: float, size: float = FONT, max_lines: int = 4) -> list[str]:
    """Greedy wrap: Latin breaks at spaces, CJK between any two characters; long text ends in ….

    Closing punctuation never starts a line (kinsoku): it may overhang the box by one character.
    """
    lines: list[str] = []
    current, used = "", 0.0
    for token in _tokens(" ".join(text.split())):
        if len(lines) > max_lines:
            break  # only max_lines are shown: the rest of a long text is never measured
        extra = text_width(token, size)
        # Closing punctuation may overhang by one character, not by a run of them.
        overhang = token in NO_LINE_START and used <= width
        if current and (used + extra <= width or overhang):
            current, used = current + token, used + extra
            continue
        if current:
            lines.append(current.rstrip())
        current = token.lstrip()
        used = text_width(current, size)
        while used > width + size and len(current) > 1:  # a word wider than the box
            if len(lines) > max_lines:
                current = ""  # cutting the rest of a 150 KB word line by line was quadratic
                break
            cut = _fit(current, width, size)
            lines.append(current[:cut])
            current = current[cut:].lstrip()
            used = text_width(current, size)
    if current and len(lines) <= max_lines:
        lines.append(current.rstrip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + "…", size) > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last + "…"]
    return lines or [""]


# A Latin word or a single wide (CJK) character, each with the space before it: the places a
# line may break.
_TOKEN = re.compile(r" ?[^ \u2e80-\uffff]+| ?[\u2e80-\uffff]| ")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _fit(text: str, width: float, size: float) -> int:
    total = 0.0
    for i, char in enumerate(text):
        total += char_em(char) * size
        if total > width:
            return max(i, 1)
    return len(text)


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    lines: tuple[str, ...]
    href: str | None = None
    shape: str = "rect"  # or "diamond", "terminal"
    css: str = "step"
    title_lines: int = 0  # org chart: lines after these are the subtitle, drawn smaller

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Edge:
    points: tuple[tuple[float, float], ...]
    label: str | None = None
    back: bool = False
    source: int = 0  # index of the box it leaves
    target: int = 0  # index of the box it enters


@dataclass
class Diagram:
    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    lanes: list[Box] = field(default_factory=list)  # lane headers (flow diagrams)


# --- org chart ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgNode:
    id: str
    parent: str | None
    title: str
    subtitle: str
    href: str


ORG_W = 150.0
ORG_GAP_X = 20.0
ORG_GAP_Y = 36.0
ORG_MAX_WIDTH = 1000.0
INDENT = 36.0


def org_layout(nodes: Sequence[OrgNode]) -> Diagram:
    """A top-down tree; an indented list when the widest level would not fit a page."""
    children: dict[str | None, list[OrgNode]] = {}
    ids = {n.id for n in nodes}
    for node in nodes:
        parent = node.parent if node.parent in ids else None
        children.setdefault(parent, []).append(node)
    order: list[tuple[OrgNode, int]] = []  # depth-first, with depth
    seen: set[str] = set()

    def visit(node: OrgNode, depth: int) -> None:
        if node.id in seen:
            return
        seen.add(node.id)
        order.append((node, depth))
        for child in children.get(node.id, []):
            visit(child, depth + 1)

    for root in children.get(None, []):
        visit(root, 0)
    if not order:
        return Diagram(0, 0)
    titles = {n.id: _org_title(n.title) for n, _ in order}
    texts = {n.id: titles[n.id] + _org_subtitle(n.subtitle) for n, _ in order}
    h = max(len(t) for t in texts.values()) * LINE + 2 * PAD
    leaves = sum(1 for n, _ in order if not children.get(n.id))
    if leaves * (ORG_W + ORG_GAP_X) <= ORG_MAX_WIDTH:
        return _org_tree(order, children, texts, h)
    return _org_indented(order, texts, h)


# Unit names are drawn bold: measured a little wide, so that they stay inside their box.
ORG_BOLD = 13.0 * 1.1
NEVER_CUT = 1000  # lines: org chart text wraps and is never cut short


def _org_title(title: str) -> tuple[str, ...]:
    return tuple(wrap(title, ORG_W - 2 * PAD, ORG_BOLD, NEVER_CUT))


def _org_subtitle(subtitle: str) -> tuple[str, ...]:
    """The head role and its holders; nothing at all for a unit with no head."""
    return tuple(wrap(subtitle, ORG_W - 2 * PAD, 11, NEVER_CUT)) if subtitle.strip() else ()


def _org_tree(
    order: list[tuple[OrgNode, int]],
    children: dict[str | None, list[OrgNode]],
    texts: dict[str, tuple[str, ...]],
    h: float,
) -> Diagram:
    xs: dict[str, float] = {}
    slot = [0.0]

    def place(node: OrgNode) -> float:
        kids = [k for k in children.get(node.id, []) if k.id not in xs]
        if not kids:
            xs[node.id] = slot[0]
            slot[0] += ORG_W + ORG_GAP_X
        else:
            centres = [place(k) for k in kids]
            xs[node.id] = (centres[0] + centres[-1]) / 2
        return xs[node.id]

    for node, depth in order:
        if depth == 0:
            place(node)
    index: dict[str, int] = {}
    diagram = Diagram(0, 0)
    for node, depth in order:
        index[node.id] = len(diagram.boxes)
        y = 10 + depth * (h + ORG_GAP_Y)
        diagram.boxes.append(
            Box(
                _r(xs[node.id] + 10),
                _r(y),
                ORG_W,
                _r(h),
                texts[node.id],
                node.href,
                css="unit",
                title_lines=len(_org_title(node.title)),
            )
        )
    _org_edges(diagram, order, index, indented=False)
    diagram.width = _r(slot[0] + 10 - ORG_GAP_X + 10)
    diagram.height = _r(max(b.y + b.h for b in diagram.boxes) + 10)
    return diagram


def _org_indented(
    order: list[tuple[OrgNode, int]], texts: dict[str, tuple[str, ...]], h: float
) -> Diagram:
    index: dict[str, int] = {}
    diagram = Diagram(0, 0)
    for row, (node, depth) in enumerate(order):
        index[node.id] = len(diagram.boxes)
        y = _r(10 + row * (h + 12))
        diagram.boxes.append(
            Box(
                10 + depth * INDENT,
                y,
                ORG_W,
                _r(h),
                texts[node.id],
                node.href,
                css="unit",
                title_lines=len(_org_title(node.title)),
            )
        )
    _org_edges(diagram, order, index, indented=True)
    diagram.width = _r(max(b.x + b.w for b in diagram.boxes) + 10)
    diagram.height = _r(max(b.y + b.h for b in diagram.boxes) + 10)
    return diagram


def _org_edges(
    diagram: Diagram, order: list[tuple[OrgNode, int]], index: dict[str, int], indented: bool
) -> None:
    for node, _ in order:
        if node.parent is None or node.parent not in index:
            continue
        p, c = index[node.parent], index[node.id]
        pb, cb = diagram.boxes[p], diagram.boxes[c]
        points: tuple[tuple[float, float], ...]
        if indented:
            x = pb.x + INDENT / 2
            points = ((x, pb.y + pb.h), (x, cb.cy), (cb.x, cb.cy))
        else:
            mid = _r(pb.y + pb.h + ORG_GAP_Y / 2)
            points = ((pb.cx, pb.y + pb.h), (pb.cx, mid), (cb.cx, mid), (cb.cx, cb.y))
        diagram.edges.append(Edge(tuple((_r(a), _r(b)) for a, b in points), source=p, target=c))


# --- flow diagram ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowLane:
    id: str
    title: str
    href: str


@dataclass(frozen=True)
class FlowStep:
    id: str
    lane: str
    label: str
    decision: bool
    successors: tuple[str, ...]
    href: str


LANE_W = 180.0
STEP_W = 150.0
HEADER_H = 40.0
GAP = 34.0
LOOP_GAP = 12.0


TERMINAL_H = 30.0
START, END = "\x00start", "\x00end"  # ids no step can have (step ids are slugs)
_TERMINALS = frozenset((START, END))


def flow_layout(
    lanes: Sequence[FlowLane],
    steps: Sequence[FlowStep],
    yes: str,
    no: str,
    start: str = "",
    end: str = "",
) -> Diagram:
    """One column per lane, one row per layer; forward edges go down, loops go round the right.

    With `start`/`end` words (开始/结束) the flow opens and closes on rounded terminals: start in
    the first step's lane, one end that every last step leads to. A decision's first way out
    (`yes`) leaves its bottom vertex, the others (`no`) its right vertex, so their labels sit
    apart. Loops run in a channel inside the last lane, which widens to hold them.
    """
    steps = _with_terminals(steps, start, end) if start and end and steps else list(steps)
    lane_of = {lane.id: i for i, lane in enumerate(lanes)}
    position = {s.id: i for i, s in enumerate(steps)}
    rows = _rows(steps, lane_of, position)
    terminal = [s.id in _TERMINALS for s in steps]
    boxes_text = [
        [s.label]
        if term
        else wrap(s.label, (STEP_W * 0.58 if s.decision else STEP_W) - 2 * PAD, FONT, 5)
        for s, term in zip(steps, terminal, strict=True)
    ]
    heights = [
        TERMINAL_H
        if term
        else max(len(t) * LINE + 2 * PAD, 44.0) * (2.0 if s.decision else 1.0)
        - (8 if s.decision else 0)
        for s, t, term in zip(steps, boxes_text, terminal, strict=True)
    ]
    row_count = max(rows, default=-1) + 1
    row_h = [0.0] * row_count
    for row, h in zip(rows, heights, strict=True):
        row_h[row] = max(row_h[row], h)
    row_top: list[float] = []
    y = HEADER_H + GAP
    for h in row_h:
        row_top.append(y)
        y += h + GAP
    diagram = Diagram(0, 0)
    for s, row, h, text, term in zip(steps, rows, heights, boxes_text, terminal, strict=True):
        x = lane_of[s.lane] * LANE_W + (LANE_W - STEP_W) / 2
        top = row_top[row] + (row_h[row] - h) / 2
        shape = "terminal" if term else "diamond" if s.decision else "rect"
        css = "terminal" if term else "decision" if s.decision else "step"
        diagram.boxes.append(
            Box(_r(x), _r(top), STEP_W, _r(h), tuple(text), s.href or None, shape, css)
        )
    right = len(lanes) * LANE_W
    loops = 0
    for i, s in enumerate(steps):
        many = s.decision and len(s.successors) > 1
        for k, target in enumerate(s.successors):
            j = position.get(target)
            if j is None:
                continue
            label = (yes if k == 0 else no) if many else None
            side = many and k > 0  # a `no` way out leaves by the right vertex
            below = row_top[rows[i]] + row_h[rows[i]] + GAP / 2
            above = row_top[rows[j]] - GAP / 2
            src, dst = diagram.boxes[i], diagram.boxes[j]
            start_at = (src.x + src.w, src.cy) if side else (src.cx, src.y + src.h)
            lead = [start_at, (src.x + src.w + SIDE_OUT, src.cy)] if side else [start_at]
            turn = src.x + src.w + SIDE_OUT if side else src.cx
            end_at = (dst.cx, dst.y)
            if j > i:
                if rows[j] == rows[i] + 1:
                    points = [*lead, (turn, below), (dst.cx, below), end_at]
                else:
                    channel = dst.x + STEP_W + (LANE_W - STEP_W) / 4
                    points = [*lead, (turn, below), (channel, below), (channel, above)]
                    points += [(dst.cx, above), end_at]
                back = False
            else:
                loops += 1
                channel = right + loops * LOOP_GAP
                # Loops entering or leaving near one another run 5px apart, not as a double line.
                offset = min(loops * 5.0, GAP / 2 - 4)
                points = [*lead, (turn, below + offset), (channel, below + offset)]
                points += [(channel, above - offset), (dst.cx, above - offset), end_at]
                back = True
            rounded = tuple((_r(a), _r(b)) for a, b in _dedupe(points))
            diagram.edges.append(Edge(rounded, label, back, i, j))
    gutter = loops * LOOP_GAP + (LOOP_GAP if loops else 0)
    for i, lane in enumerate(lanes):
        # Headers are drawn bold at 12.5px: measure them a little wide so they stay in the box.
        title = tuple(wrap(lane.title, LANE_W - 2 * PAD, 13.5, 2))
        # The last lane holds the loops' channel, so that no line runs outside the frame.
        width = LANE_W + (gutter if i == len(lanes) - 1 else 0)
        diagram.lanes.append(Box(i * LANE_W, 0, width, HEADER_H, title, lane.href, css="lane"))
    diagram.width = _r(right + gutter)
    diagram.height = _r(y)
    return diagram


SIDE_OUT = 6.0  # px a `no` branch runs right of its diamond before it turns


def _with_terminals(steps: Sequence[FlowStep], start: str, end: str) -> list[FlowStep]:
    """The steps between a start terminal and one end terminal that every last step leads to."""
    first, ends = steps[0], [s for s in steps if not s.successors]
    end_lane = (ends[-1] if ends else steps[-1]).lane
    body = [s if s.successors else replace(s, successors=(END,)) for s in steps]
    return [
        FlowStep(START, first.lane, start, False, (first.id,), ""),
        *body,
        FlowStep(END, end_lane, end, False, (), ""),
    ]


def _rows(
    steps: Sequence[FlowStep], lane_of: dict[str, int], position: dict[str, int]
) -> list[int]:
    """Longest path over forward edges, bumped down where a lane already has a box in that row."""
    rows = [0] * len(steps)
    taken: set[tuple[int, int]] = set()
    preds: list[list[int]] = [[] for _ in steps]
    for i, s in enumerate(steps):
        for target in s.successors:
            j = position.get(target)
            if j is not None and j > i:
                preds[j].append(i)
    for i, s in enumerate(steps):
        row = max((rows[p] + 1 for p in preds[i]), default=0)
        if i > 0 and not preds[i]:
            row = rows[i - 1] + 1  # reached only by a loop: keep list order
        lane = lane_of[s.lane]
        while (lane, row) in taken:
            row += 1
        taken.add((lane, row))
        rows[i] = row
    return rows


def _dedupe(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    kept: list[tuple[float, float]] = []
    for p in points:
        if not kept or kept[-1] != p:
            kept.append(p)
    return kept


# --- drawing -----------------------------------------------------------------------------------


# Presentation attributes rather than CSS: WeasyPrint's SVG renderer ignores the page's CSS.
STYLE = {
    "unit": 'fill="#ffffff" stroke="#1f4e79" stroke-width="1.2"',
    "step": 'fill="#ffffff" stroke="#1f4e79" stroke-width="1.2"',
    "decision": 'fill="#fff8e6" stroke="#b7791f" stroke-width="1.2"',
    "terminal": 'fill="#e4eaf1" stroke="#1f4e79" stroke-width="1.2"',
    "lane": 'fill="#e4eaf1" stroke="#b9c0ca" stroke-width="1"',
    "lane-a": 'fill="#f6f8fa"',
    "lane-b": 'fill="#ffffff" stroke="#dfe3e8" stroke-width="1"',
    "edge": 'fill="none" stroke="#44505e" stroke-width="1.2"',
    "edge back": 'fill="none" stroke="#44505e" stroke-width="1.2" stroke-dasharray="4 3"',
    "arrow": 'fill="#44505e"',
    "edge-label": 'fill="#b7791f" font-size="10" font-weight="bold"',
    "text": 'fill="#1d2430"',
}


def _r(value: float) -> float:
    return round(value, 1)


_NUMBERS: dict[float, str] = {}


def _n(value: float) -> str:
    """A coordinate as SVG text: `12` or `12.5` (values are already rounded to 0.1)."""
    text = _NUMBERS.get(value)
    if text is None:
        whole = int(value)
        if len(_NUMBERS) >= MEMO_LIMIT:
            _NUMBERS.clear()
        text = _NUMBERS[value] = str(whole) if whole == value else f"{value:.1f}"
    return text


# A printed A4 page holds about 980 px of height (259 mm at 96 px/in) under its margins; a
# diagram taller than this is drawn as several slices, each of which fits a page.
SLICE = 920.0
_SLICE_GAP = 6.0
# Up to this much taller than a slice, a diagram stays whole: print scales it down to a page
# (handbook.css, `max-height`), which reads better than a few boxes cut off onto the next page.
SHRINK = 1.35


def to_svg(diagram: Diagram, label: str, css: str, lang: str = "", font: str = "") -> str:
    """Inline SVG (no ids, no external references), sized in px and scalable by CSS.

    A diagram taller than a page is several `<svg>` windows on one drawing, cut between boxes:
    a printer cannot split one image across pages, it would clip it at the page's foot.
    `lang` and `font` (a CSS font stack) are set on the drawing as attributes, which its text
    inherits: WeasyPrint's SVG renderer ignores the page's CSS, and without them it picks any
    CJK face (Japanese glyph shapes in a Chinese handbook).
    """
    w, h = _n(diagram.width), _n(diagram.height)
    text_attrs = (f' lang="{escape(lang)}"' if lang else "") + (
        f' font-family="{escape(font)}"' if font else ""
    )
    out = []
    for top, bottom in itertools.pairwise(_cuts(diagram)):
        y, height = _n(top), _n(bottom - top)
        out.append(
            f'<svg class="{css}" width="{w}" height="{height}" viewBox="0 {y} {w} {height}" '
            f'role="img" aria-label="{escape(label)}"{text_attrs}>'
            f"{_body(diagram, h, top, bottom)}</svg>"
        )
    return "".join(out)


def _cuts(diagram: Diagram) -> list[float]:
    """Where the slices begin and end: 0, the cuts (in gaps between boxes), the height."""
    spans = [(b.y - _SLICE_GAP, b.y + b.h + _SLICE_GAP) for b in (*diagram.boxes, *diagram.lanes)]
    cuts = [0.0]
    if diagram.height <= SLICE * SHRINK:
        return [*cuts, diagram.height]
    while diagram.height - cuts[-1] > SLICE:
        top = cuts[-1]
        cut = top + SLICE
        inside = [y0 for y0, y1 in spans if y0 < cut < y1]
        while inside:  # move up into the gap above the box the cut would go through
            cut = min(inside)
            inside = [y0 for y0, y1 in spans if y0 < cut < y1]
        if cut <= top + SLICE / 4:  # one box taller than a page: cut through it
            cut = top + SLICE
        cuts.append(_r(cut))
    return [*cuts, diagram.height]


def _body(diagram: Diagram, h: str, top: float, bottom: float) -> str:
    """What can be seen between `top` and `bottom` (a slice shows only its own boxes)."""
    whole = top == 0 and bottom == diagram.height
    out = []
    for i, lane in enumerate(diagram.lanes):
        fill = "lane-a" if i % 2 == 0 else "lane-b"
        out.append(
            f'<rect class="{fill}" {STYLE[fill]} x="{_n(lane.x)}" y="0" width="{_n(lane.w)}" '
            f'height="{h}"/>'
        )
        if whole or (lane.y < bottom and lane.y + lane.h > top):
            out.append(_linked(lane.href, _rect(lane) + _text(lane, 12.5, bold=True)))
    for edge in diagram.edges:
        ys = [y for _, y in edge.points]
        if whole or (min(ys) - LINE < bottom and max(ys) + LINE > top):  # LINE: room for a label
            out.append(_edge(edge))
    for box in diagram.boxes:
        if not (whole or (box.y < bottom and box.y + box.h > top)):
            continue
        shape = _diamond(box) if box.shape == "diamond" else _rect(box)
        size = FONT if box.css != "unit" else 13.0
        out.append(_linked(box.href, shape + _text(box, size, bold=box.css == "unit")))
    return "".join(out)


def _points(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _linked(href: str | None, inner: str) -> str:
    return f'<a href="{escape(href)}">{inner}</a>' if href else inner


def _rect(box: Box) -> str:
    radius = _n(_r(box.h / 2)) if box.shape == "terminal" else "4"
    return (
        f'<rect class="{box.css}" {STYLE[box.css]} x="{_n(box.x)}" y="{_n(box.y)}" '
        f'width="{_n(box.w)}" height="{_n(box.h)}" rx="{radius}"/>'
    )


def _diamond(box: Box) -> str:
    pts = [(box.cx, box.y), (box.x + box.w, box.cy), (box.cx, box.y + box.h), (box.x, box.cy)]
    return f'<polygon class="{box.css}" {STYLE[box.css]} points="{_points(pts)}"/>'


def _text(box: Box, size: float, bold: bool = False) -> str:
    first = box.cy - (len(box.lines) - 1) * LINE / 2 + size * 0.35
    weight = ' font-weight="bold"' if bold else ""
    small = ' font-size="11" font-weight="normal"'
    x = _n(box.cx)
    spans = "".join(
        f'<tspan x="{x}" y="{_n(_r(first + i * LINE))}"'
        f"{small if box.css == 'unit' and i >= box.title_lines else ''}>"
        f"{escape(line)}</tspan>"
        for i, line in enumerate(box.lines)
    )
    return (
        f'<text {STYLE["text"]} font-size="{_n(size)}" text-anchor="middle"{weight}>{spans}</text>'
    )


def _edge(edge: Edge) -> str:
    pts = edge.points
    path = _points(pts)
    css = "edge back" if edge.back else "edge"
    parts = [f'<polyline class="{css}" {STYLE[css]} points="{path}"/>']
    (x1, y1), (x2, y2) = pts[-2], pts[-1]
    if x1 == x2:  # arrowheads only on vertical ends, which is how every edge arrives
        d = 1 if y2 > y1 else -1
        head = [(x2, y2), (x2 - 4, y2 - 7 * d), (x2 + 4, y2 - 7 * d)]
        parts.append(f'<polygon class="arrow" {STYLE["arrow"]} points="{_points(head)}"/>')
    elif y1 == y2:
        d = 1 if x2 > x1 else -1
        head = [(x2, y2), (x2 - 7 * d, y2 - 4), (x2 - 7 * d, y2 + 4)]
        parts.append(f'<polygon class="arrow" {STYLE["arrow"]} points="{_points(head)}"/>')
    if edge.label:
        lx, ly = _label_at(pts, edge.label)
        parts.append(
            f'<text class="edge-label" {STYLE["edge-label"]} x="{_n(lx)}" y="{_n(ly)}">'
            f"{escape(edge.label)}</text>"
        )
    return "".join(parts)


LABEL_SIZE = 10.0


def _label_at(pts: tuple[tuple[float, float], ...], text: str) -> tuple[float, float]:
    """Where a decision's branch label sits (the text's left end and baseline): a branch leaving
    the bottom vertex is labelled left of its line just below the diamond, a branch leaving the
    right vertex above its line just right of the diamond; the two never meet."""
    (x0, y0), (_, y1) = pts[0], pts[1]
    if y0 == y1:  # leaves sideways
        return _r(x0 + 2), _r(y0 - 3)
    return _r(x0 - 4 - text_width(text, LABEL_SIZE)), _r(y0 + 12)


def label_box(edge: Edge) -> tuple[float, float, float, float]:
    """The box (x, y, w, h) an edge's label covers: for tests and for anyone placing more."""
    x, y = _label_at(edge.points, edge.label or "")
    return x, y - LABEL_SIZE, text_width(edge.label or "", LABEL_SIZE), LABEL_SIZE + 2
