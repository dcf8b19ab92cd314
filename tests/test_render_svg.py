"""The diagram layout: no overlapping boxes, every edge ends on its boxes, same input same bytes."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsmanual.render.svg import (
    SLICE,
    Box,
    Diagram,
    FlowLane,
    FlowStep,
    OrgNode,
    flow_layout,
    label_box,
    org_layout,
    text_width,
    to_svg,
    wrap,
)


def overlap(a: Box, b: Box) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def on_boundary(box: Box, point: tuple[float, float]) -> bool:
    x, y = point
    if box.shape == "diamond":  # edges meet a decision at its vertices: top, bottom, right
        vertical = abs(x - box.cx) < 0.11 and (
            abs(y - box.y) < 0.11 or abs(y - box.y - box.h) < 0.11
        )
        return vertical or (abs(x - box.x - box.w) < 0.11 and abs(y - box.cy) < 0.11)
    inside_x = box.x - 0.11 <= x <= box.x + box.w + 0.11
    inside_y = box.y - 0.11 <= y <= box.y + box.h + 0.11
    on_x = abs(x - box.x) < 0.11 or abs(x - box.x - box.w) < 0.11
    on_y = abs(y - box.y) < 0.11 or abs(y - box.y - box.h) < 0.11
    return (inside_x and on_y) or (inside_y and on_x)


def assert_sound(d: Diagram) -> None:
    for i, a in enumerate(d.boxes):
        for b in d.boxes[i + 1 :]:
            assert not overlap(a, b), (a, b)
        assert a.x >= 0 and a.x + a.w <= d.width and a.y >= 0 and a.y + a.h <= d.height
    for edge in d.edges:
        assert on_boundary(d.boxes[edge.source], edge.points[0]), edge
        assert on_boundary(d.boxes[edge.target], edge.points[-1]), edge
        for (x1, y1), (x2, y2) in zip(edge.points, edge.points[1:], strict=False):
            assert x1 == x2 or y1 == y2, "edges are drawn with straight, orthogonal segments"
        for x, y in edge.points:
            assert 0 <= x <= d.width and 0 <= y <= d.height


def org_tree(n: int, fanout: int) -> list[OrgNode]:
    nodes = [OrgNode("u0", None, "总部", "总经理", "#unit-u0")]
    for i in range(1, n):
        nodes.append(OrgNode(f"u{i}", f"u{(i - 1) // fanout}", f"部门{i}", "经理", f"#unit-u{i}"))
    return nodes


@pytest.mark.parametrize(("n", "fanout"), [(1, 1), (5, 4), (12, 3), (60, 6), (80, 40)])
def test_org_chart_is_sound(n: int, fanout: int) -> None:
    d = org_layout(org_tree(n, fanout))
    assert len(d.boxes) == n and len(d.edges) == n - 1
    assert_sound(d)


def test_wide_org_chart_becomes_an_indented_tree_that_stays_readable() -> None:
    d = org_layout(org_tree(60, 30))
    assert d.width <= 1000, "a wide level must not shrink the chart to an unreadable strip"
    xs = sorted({b.x for b in d.boxes})
    assert len(xs) >= 2  # indentation shows depth
    small = org_layout(org_tree(5, 4))
    assert len({b.y for b in small.boxes}) == 2  # top-down: one row per level


def test_a_diagram_taller_than_a_page_is_sliced_between_boxes() -> None:
    import re

    d = org_layout(org_tree(60, 30))
    assert d.height > 2 * SLICE
    svg = to_svg(d, "org", "org")
    windows = [
        (float(y), float(h)) for y, h in re.findall(r'viewBox="0 ([\d.]+) [\d.]+ ([\d.]+)"', svg)
    ]
    assert len(windows) >= 3, "a printer cannot split one image across pages"
    assert windows[0][0] == 0 and all(h <= SLICE for _, h in windows)
    for (y, h), (next_y, _) in itertools.pairwise(windows):
        assert y + h == next_y, "the slices join with no gap and no overlap"
        assert not any(b.y < next_y < b.y + b.h for b in d.boxes), "no cut through a box"
    assert windows[-1][0] + windows[-1][1] == d.height
    assert svg.count("<svg") == len(windows) and svg.count("</svg>") == len(windows)
    assert svg.count('<rect class="unit"') == len(d.boxes), "each box is drawn in one slice"
    small = to_svg(org_layout(org_tree(5, 4)), "org", "org")
    assert small.count("<svg") == 1


def steps(spec: list[tuple[str, str, bool, tuple[str, ...]]]) -> list[FlowStep]:
    return [
        FlowStep(i, lane, f"{i} 执行一个步骤", dec, nxt, f"#s-{i}") for i, lane, dec, nxt in spec
    ]


LANES = [FlowLane("a", "流程工程师", "#role-a"), FlowLane("b", "Process lead", "#role-b")]


def test_flow_with_a_decision_and_a_loop_back() -> None:
    flow = steps(
        [
            ("s1", "a", False, ("s2",)),
            ("s2", "b", False, ("s3",)),
            ("s3", "a", True, ("s4", "s2")),
            ("s4", "b", False, ()),
        ]
    )
    d = flow_layout(LANES, flow, "是", "否")
    assert_sound(d)
    assert [b.shape for b in d.boxes] == ["rect", "rect", "diamond", "rect"]
    assert [e.label for e in d.edges] == [None, None, "是", "否"]
    back = [e for e in d.edges if e.back]
    assert len(back) == 1 and back[0].target == 1
    assert max(x for x, _ in back[0].points) > 2 * 180, "loops go round the right of the steps"
    assert max(x for x, _ in back[0].points) < d.lanes[-1].x + d.lanes[-1].w, "inside the frame"
    assert d.boxes[1].y > d.boxes[0].y and d.boxes[3].y > d.boxes[2].y


def test_flow_same_lane_steps_never_share_a_row() -> None:
    flow = steps(
        [
            ("s1", "a", True, ("s2", "s3")),
            ("s2", "b", False, ("s4",)),
            ("s3", "b", False, ("s4",)),  # parallel to s2 in the same lane: must move down
            ("s4", "a", False, ("s1",)),  # loop back to the start, and a self-loop next
            ("s5", "a", False, ("s5", "s1")),
        ]
    )
    d = flow_layout(LANES, flow, "Yes", "No")
    assert_sound(d)


@pytest.mark.parametrize("seed", range(25))
def test_random_flows_are_sound_and_deterministic(seed: int) -> None:
    rng = random.Random(seed)
    count = rng.randint(1, 14)
    lanes = [FlowLane(f"r{k}", f"角色 {k} with a long English title", f"#r{k}") for k in range(4)]
    flow = [
        FlowStep(
            f"s{i}",
            f"r{rng.randrange(4)}",
            "审核" * rng.randint(1, 30),
            rng.random() < 0.3,
            tuple(f"s{rng.randrange(count)}" for _ in range(rng.randint(0, 3))),
            f"#s{i}",
        )
        for i in range(count)
    ]
    d = flow_layout(lanes, flow, "Yes", "No")
    assert_sound(d)
    again = flow_layout(lanes, flow, "Yes", "No")
    assert to_svg(d, "x", "flow") == to_svg(again, "x", "flow")


def test_text_width_and_wrap() -> None:
    assert text_width("中文", 10) == 20
    assert text_width("ab", 10) == pytest.approx(11)
    lines = wrap("Rate each risk's likelihood and impact on the risk matrix", 100, 12, 10)
    assert all(text_width(line, 12) <= 100 for line in lines)
    assert " ".join(lines) == "Rate each risk's likelihood and impact on the risk matrix"
    cjk = wrap("每季度第一周识别新出现和已变化的风险，更新风险清单", 120, 12, 10)
    assert "".join(cjk) == "每季度第一周识别新出现和已变化的风险，更新风险清单"
    assert not any(line.startswith("，") for line in cjk), "no line starts with a comma"
    assert wrap("很" * 200, 60, 12, max_lines=2)[-1].endswith("…")


def test_svg_escapes_text_and_has_no_ids_or_remote_references() -> None:
    d = flow_layout(LANES, steps([("s1", "a", False, ())]), "是", "否")
    hostile = Box(0, 0, 10, 10, ('<script>alert("x")</script>',), None)
    d.boxes.append(hostile)
    svg = to_svg(d, 'a "label" <b>', "flow")
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert ' id="' not in svg and "http" not in svg
    assert 'aria-label="a &#34;label&#34; &lt;b&gt;"' in svg


def inside(box: Box, lines: tuple[str, ...], size: float) -> None:
    """Every line's estimated width fits the box (a diamond's text its middle), and the lines
    fit its height."""
    room = box.w * (0.58 if box.shape == "diamond" else 1.0) - 2 * 8
    for line in lines:
        assert text_width(line, size) <= room + size, (box, line)  # kinsoku may overhang 1 char
    assert len(lines) * 15 <= box.h, box


def flow_with_terminals(seed: int) -> Diagram:
    rng = random.Random(seed)
    count = rng.randint(2, 14)
    lanes = [FlowLane(f"r{k}", f"角色 {k} with a long English title", f"#r{k}") for k in range(4)]
    flow = []
    for i in range(count):
        decision = rng.random() < 0.4
        if decision:  # a sound decision: two ways out (validate warns otherwise)
            nxt = tuple(dict.fromkeys(f"s{rng.randrange(count)}" for _ in range(2)))
            nxt = nxt if len(nxt) == 2 else (nxt[0], f"s{(int(nxt[0][1:]) + 1) % count}")
        else:
            nxt = (f"s{i + 1}",) if i + 1 < count else ()
        label = "审核" * rng.randint(1, 20)
        flow.append(FlowStep(f"s{i}", f"r{rng.randrange(4)}", label, decision, nxt, f"#s{i}"))
    return flow_layout(lanes, flow, "是", "否", "开始", "结束")


@pytest.mark.parametrize("seed", range(25))
def test_decision_labels_never_overlap_and_text_stays_in_its_box(seed: int) -> None:
    d = flow_with_terminals(seed)
    assert_sound(d)
    labels = [label_box(e) for e in d.edges if e.label]
    for (x1, y1, w1, h1), (x2, y2, w2, h2) in itertools.combinations(labels, 2):
        assert not (x1 < x2 + w2 and x2 < x1 + w1 and y1 < y2 + h2 and y2 < y1 + h1), labels
    for box in d.boxes:
        inside(box, box.lines, 12)
    frame = d.lanes[-1].x + d.lanes[-1].w
    for edge in d.edges:
        assert all(x <= frame for x, _ in edge.points), "every line runs inside the lane frame"


def test_both_branches_leaving_one_side_get_labels_apart() -> None:
    """Procedure 8.2 of the example: both ways out of a decision lead right of it."""
    lanes = [FlowLane("a", "文控专员", "#a"), FlowLane("b", "部门经理", "#b")]
    flow = [
        FlowStep("s1", "b", "审批", True, ("s2", "s3"), "#1"),
        FlowStep("s2", "a", "登记", False, ("s3",), "#2"),
        FlowStep("s3", "a", "发布", False, (), "#3"),
    ]
    d = flow_layout(lanes, flow, "是", "否", "开始", "结束")
    yes, no = (label_box(e) for e in d.edges if e.label)
    assert yes[0] + yes[2] <= no[0] or yes[1] + yes[3] <= no[1] or no[1] + no[3] <= yes[1]
    decision = next(b for b in d.boxes if b.shape == "diamond")
    exits = {e.label: e.points[0] for e in d.edges if e.label}
    assert exits["是"] == (decision.cx, decision.y + decision.h), "yes leaves the bottom"
    assert exits["否"] == (decision.x + decision.w, decision.cy), "no leaves the right vertex"


def test_flow_opens_and_closes_on_terminals() -> None:
    flow = steps([("s1", "a", False, ("s2",)), ("s2", "b", False, ()), ("s3", "a", False, ())])
    d = flow_layout(LANES, flow, "是", "否", "开始", "结束")
    terminals = [b for b in d.boxes if b.shape == "terminal"]
    assert [b.lines for b in terminals] == [("开始",), ("结束",)]
    start, end = terminals
    assert start.y < min(b.y for b in d.boxes if b.shape != "terminal")
    assert end.y > max(b.y for b in d.boxes if b.shape != "terminal")
    ends = [e for e in d.edges if d.boxes[e.target] is end]
    assert len(ends) == 2, "every last step leads to the end"
    svg = to_svg(d, "x", "flow", "zh-CN", '"Noto Sans CJK SC", sans-serif')
    assert 'lang="zh-CN"' in svg and 'font-family="&#34;Noto Sans CJK SC&#34;, sans-serif"' in svg
    assert 'rx="15"' in svg  # rounded ends


def test_org_chart_wraps_long_names_and_keeps_the_holder() -> None:
    nodes = [
        OrgNode("ops", None, "Operations Management Department", "", "#ops"),
        OrgNode(
            "pm",
            "ops",
            "Project Management Group",
            "Department Manager · Zhou Ming, Li Qiang",
            "#pm",
        ),
    ]
    d = org_layout(nodes)
    assert_sound(d)
    text = [" ".join(b.lines) for b in d.boxes]
    assert "…" not in "".join(text), "wrap, never cut"
    assert text[0] == "Operations Management Department"
    assert "Zhou Ming, Li Qiang" in text[1] and "Project Management Group" in text[1]
    for box in d.boxes:
        inside(box, box.lines[: box.title_lines], 13 * 1.1)
        inside(box, box.lines[box.title_lines :], 11)
    assert d.boxes[0].lines == d.boxes[0].lines[: d.boxes[0].title_lines], (
        "a unit with no head has no empty subtitle line"
    )


@given(st.text())
def test_diagram_text_is_escaped_as_markupsafe_escapes_it(text: str) -> None:
    from markupsafe import escape as markupsafe_escape

    from opsmanual.render import svg

    assert svg.escape(text) == str(markupsafe_escape(text))
