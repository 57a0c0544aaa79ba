"""A self-contained report.html for a run: config, environment, metrics, target, figures."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from torchdojo.files import atomic_write_bytes

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;
text-align:left;font-size:.9em}th{background:#f3f3f3}.pass{color:#176c2e;font-weight:bold}
.fail{color:#a31515;font-weight:bold}.na{color:#7a5c00;font-weight:bold}
img{max-width:100%;border:1px solid #eee;margin:.3em 0}code{background:#f5f5f5;padding:0 .2em}
"""


def _table(rows: dict[str, Any]) -> str:
    body = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_show(v))}</td></tr>"
                   for k, v in rows.items())
    return f"<table>{body}</table>"


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value)
    return str(value)


def _css_class(verdict: str) -> str:
    return {"PASS": "pass", "FAIL": "fail"}.get(verdict.split()[0], "na")


def render(*, title: str, subtitle: str, config: dict[str, Any], environment: dict[str, Any],
           metrics: dict[str, float], verdicts: list[tuple[str, str]], figures: list[Path],
           notes: list[str]) -> str:
    """The report as one HTML string with every image embedded (opens offline, mails well)."""
    verdict_rows = "".join(
        f"<tr><td>{html.escape(target)}</td><td class='{_css_class(v)}'>"
        f"{html.escape(v)}</td></tr>" for target, v in verdicts) or "<tr><td>none</td></tr>"
    images = "".join(
        f"<h3>{html.escape(p.stem.replace('_', ' '))}</h3>"
        f"<img alt='{html.escape(p.stem)}' src='data:image/png;base64,"
        f"{base64.b64encode(p.read_bytes()).decode()}'>" for p in figures)
    note_items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p>"
            f"<h2>Target</h2><table><tr><th>target</th><th>result</th></tr>{verdict_rows}</table>"
            f"<h2>Final metrics</h2>{_table(metrics)}"
            + (f"<h2>Notes</h2><ul>{note_items}</ul>" if notes else "")
            + f"<h2>Figures</h2>{images or '<p>none</p>'}"
            f"<h2>Config</h2>{_table(config)}<h2>Environment</h2>{_table(environment)}"
            "</body></html>")


def write(path: Path, **kwargs: Any) -> Path:
    """Render and write atomically."""
    atomic_write_bytes(path, render(**kwargs).encode())
    return path
