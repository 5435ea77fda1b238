"""The progress chart: each sub-unit's houses against its quota, as a PNG a phone shows well.

Rendering costs a few hundred milliseconds of CPU, so callers run it in a worker thread, and a
chart whose figures have not changed is not drawn again: the file is named by what it shows.
"""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import astuple, dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from handlers.officers.files import made_once

# DejaVu Sans ships inside matplotlib and covers Vietnamese (ệ ở ữ đ ...); naming it keeps a
# machine's other fonts, some of which lack those glyphs, out of the picture.
FONT = font_manager.FontProperties(family="DejaVu Sans")
MAX_BARS = 30

# Colours that stay apart for the colour-blind and in a greyscale print.
_HANDED = "#1b5e20"
_COMPLETED = "#43a047"
_STARTED = "#ffb300"
_QUOTA = "#e0e0e0"

# matplotlib's text and font caches are not safe to share between threads drawing at once.
_draw_lock = threading.Lock()


@dataclass(frozen=True)
class Bar:
    label: str
    quota: int | None
    started: int      # houses that have started, including those further on
    completed: int    # completed, including handed over
    handed_over: int


@dataclass(frozen=True)
class Chart:
    title: str
    subtitle: str
    bars: tuple[Bar, ...]
    legend: tuple[str, str, str, str]   # handed over, completed, started, quota
    axis: str
    no_quota: str                       # shown after a unit that has no quota

    def key(self) -> str:
        text = repr((self.title, self.subtitle, [astuple(b) for b in self.bars], self.legend, self.axis,
                     self.no_quota))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def font_file() -> str:
    """The font file the chart's text is drawn with."""
    return str(font_manager.findfont(FONT, fallback_to_default=False))


def chart_file(folder: Path, chart: Chart, mode: int) -> Path:
    """The PNG of this chart in `folder`, drawn now unless the same chart was drawn before."""
    return made_once(folder, f"progress-{chart.key()}.png", "progress-*.png", lambda: render(chart), mode)


def render(chart: Chart) -> bytes:
    bars = list(chart.bars[:MAX_BARS])
    n = max(len(bars), 1)
    height = 1.8 + 0.36 * n
    with _draw_lock:
        fig = Figure(figsize=(8.0, height), dpi=110)
        FigureCanvasAgg(fig)
        # Fixed margins in inches: tight_layout would double the drawing time for the same look.
        left, top, bottom = 2.9 / 8.0, 1.15 / height, 0.55 / height
        ax = fig.add_axes((left, bottom, 0.97 - left - 0.12, 1 - top - bottom))
        ys = list(range(len(bars)))
        share = [[_pct(v, b.quota or 0) for v in (b.started, b.completed, b.handed_over)] for b in bars]
        ax.barh(ys, [100.0 if b.quota else 0.0 for b in bars], color=_QUOTA, height=0.72,
                label=chart.legend[3])
        ax.barh(ys, [s[0] for s in share], color=_STARTED, height=0.72, label=chart.legend[2])
        ax.barh(ys, [s[1] for s in share], color=_COMPLETED, height=0.72, label=chart.legend[1])
        ax.barh(ys, [s[2] for s in share], color=_HANDED, height=0.72, label=chart.legend[0])
        top_x = max([100.0, *(s[0] for s in share)])
        ax.set_xlim(0, top_x * 1.02)
        ax.set_ylim(len(bars) - 0.5, -0.5)
        ax.set_yticks(ys, [_clip(b.label, 34) for b in bars], fontproperties=FONT, fontsize=9)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(chart.axis, fontproperties=FONT, fontsize=9)
        for y, bar, s in zip(ys, bars, share, strict=True):
            text = f"{s[1]:.0f}%" if bar.quota else chart.no_quota
            ax.text(top_x * 1.03, y, text, va="center", fontproperties=FONT, fontsize=8.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.text(0.02, 1 - 0.28 / height, chart.title, fontproperties=FONT, fontsize=12, weight="bold")
        fig.text(0.02, 1 - 0.55 / height, chart.subtitle, fontproperties=FONT, fontsize=9, color="#424242")
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(0.01, 1 - 0.68 / height),
                   ncols=4, prop=FONT, fontsize=8.5, frameon=False, handlelength=1.2, columnspacing=1.2)
        ax.xaxis.set_major_formatter("{x:.0f}%")
        out = io.BytesIO()
        fig.savefig(out, format="png", pil_kwargs={"compress_level": 3})
        return out.getvalue()


def _pct(value: int, base: int) -> float:
    return 100.0 * value / base if base else 0.0


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
