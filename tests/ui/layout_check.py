"""What a screenshot test checks on the live widget tree: no text clipped by its label, no
text off the screen, no two texts drawn over each other, every button a real touch target."""

from __future__ import annotations

from typing import Any

MIN_TOUCH_PX = 48
SLACK = 1.0  # sub-pixel rounding in layouts


def _visible(w: Any) -> bool:
    node = w
    while node is not None:
        if getattr(node, "opacity", 1) <= 0:
            return False
        if node.parent is node:
            break
        node = node.parent
    return True


def _in_scroll(w: Any) -> bool:
    from kivy.uix.scrollview import ScrollView

    node = w.parent
    while node is not None and node.parent is not node:
        if isinstance(node, ScrollView):
            return True
        node = node.parent
    return False


def _box(w: Any) -> tuple[float, float, float, float]:
    x, y = w.to_window(w.x, w.y)
    return x, y, x + w.width, y + w.height


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > SLACK and h > SLACK else 0.0


def _ink(w: Any) -> tuple[float, float, float, float]:
    """Where a label's text is drawn (its texture, placed by halign/valign in its box)."""
    x0, y0, x1, y1 = _box(w)
    tw, th = w.texture_size
    halign = "center" if w.halign in ("center", "justify") else w.halign
    left = x0 if halign in ("left", "auto") else (x1 - tw if halign == "right" else (x0 + x1 - tw) / 2)
    valign = w.valign if w.valign in ("top", "bottom") else "middle"
    bottom = y1 - th if valign == "top" else (y0 if valign == "bottom" else (y0 + y1 - th) / 2)
    return left, bottom, left + tw, bottom + th


def layout_problems(root: Any, window_size: tuple[int, int]) -> list[str]:
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label

    width, height = window_size
    problems: list[str] = []
    texts: list[tuple[Any, tuple[float, float, float, float]]] = []
    for w in root.walk(restrict=True):
        if not _visible(w):
            continue
        name = f"{type(w).__name__}({getattr(w, 'text', '')[:30]!r})"
        if isinstance(w, ButtonBehavior) and min(w.size) + SLACK < MIN_TOUCH_PX:
            problems.append(f"{name} is a {w.width:.0f}x{w.height:.0f} touch target (< {MIN_TOUCH_PX} px)")
        if not isinstance(w, Label) or not w.text.strip():
            continue
        w.texture_update()
        tw, th = w.texture_size
        if getattr(w, "is_shortened", False):  # `shorten: True` drew "..." in place of words
            problems.append(f"{name} is cut short to fit its {w.width:.0f} px")
        if tw > w.width + SLACK or th > w.height + SLACK:
            problems.append(f"{name} text {tw:.0f}x{th:.0f} is clipped by its "
                            f"{w.width:.0f}x{w.height:.0f} box")
        x0, y0, x1, y1 = _box(w)
        if not _in_scroll(w) and (x0 < -SLACK or y0 < -SLACK or x1 > width + SLACK or y1 > height + SLACK):
            problems.append(f"{name} at ({x0:.0f},{y0:.0f})-({x1:.0f},{y1:.0f}) is off the "
                            f"{width}x{height} screen")
        texts.append((w, _ink(w)))
    for i, (a, box_a) in enumerate(texts):
        for b, box_b in texts[i + 1:]:
            if _overlap(box_a, box_b) and not (_in_scroll(a) or _in_scroll(b)):
                problems.append(f"{type(a).__name__}({a.text[:20]!r}) and {type(b).__name__}"
                                f"({b.text[:20]!r}) are drawn over each other")
    return problems
