"""Small inline SVG charts (no JavaScript, no CDN): horizontal bars and daily columns."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

COLOURS = ("#1d4f91", "#2f7d32", "#c26a00", "#8e244d", "#5a5a5a")


def bars(items: list[tuple[str, float]], width: int = 460, unit: str = "", colour: str = COLOURS[0]) -> Markup:
    """One horizontal bar per (label, value), labels left, values right."""
    if not items:
        return Markup('<p class="empty">Chưa có dữ liệu.</p>')
    row, label_w, value_w = 26, 190, 50
    top = max(v for _, v in items) or 1
    span = width - label_w - value_w
    parts = [f'<svg class="chart" viewBox="0 0 {width} {row * len(items) + 4}" width="100%" role="img">']
    for i, (label, value) in enumerate(items):
        y = i * row + 2
        w = max(1.0, span * value / top) if value else 0
        short = label if len(label) <= 25 else label[:24] + "…"
        shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end"><title>{escape(label)}</title>{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" rx="3" fill="{colour}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 16}">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(days: list[tuple[str, float, float]], width: int = 720, height: int = 200) -> Markup:
    """Daily columns for two series (conversations dark, messages light), with first and last day labelled."""
    if not days:
        return Markup('<p class="empty">Chưa có dữ liệu.</p>')
    pad_l, pad_b, pad_t = 40, 24, 10
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t
    top = max(max(a, b) for _, a, b in days) or 1
    step = plot_w / len(days)
    bar = max(1.0, step * 0.4)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img">']
    for frac in (0, 0.5, 1):
        y = pad_t + plot_h * (1 - frac)
        parts.append(f'<line x1="{pad_l}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{pad_l - 4}" y="{y + 4:.1f}" text-anchor="end">{top * frac:g}</text>')
    for i, (day, convs, msgs) in enumerate(days):
        x = pad_l + i * step
        for j, (value, colour) in enumerate(((convs, COLOURS[0]), (msgs, "#9bb7dc"))):
            h = plot_h * value / top
            parts.append(
                f'<rect x="{x + j * bar:.1f}" y="{pad_t + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(day)}: {value:g}</title></rect>"
            )
    for i in {0, len(days) - 1}:
        anchor = "start" if i == 0 else "end"
        x = pad_l if i == 0 else width - 10
        parts.append(f'<text x="{x}" y="{height - 6}" text-anchor="{anchor}">{escape(days[i][0])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
