"""reveal.js slide decks of lessons, from cells tagged `slideshow` or from their headings.

Teacher notes (see convert.py) become speaker notes, `<aside class="notes">` on the
slide of the cell above them, colour-coded as outline 001's slides are: red for what
the teacher does, yellow for what the teacher says. The speaker view (press S) shows
them beside the slide; printed with notes (pdf.py) they follow each slide.
"""

from __future__ import annotations

import copy
from typing import Any

from torchdojo.book.convert import note_kind
from torchdojo.book.html import TEMPLATES

# Inline, because the speaker view shows notes in a window of its own, without our CSS.
NOTE_STYLES = {
    "teacher": "border-left: 6px solid #c5221f; background: #fce8e6; color: #3c1410; "
               "padding: 2px 12px; margin: 0 0 10px;",
    "say": "border-left: 6px solid #f9ab00; background: #fef7e0; color: #3b2a00; "
           "padding: 2px 12px; margin: 0 0 10px;",
}


def with_slide_types(nb: Any) -> Any:
    """A copy of `nb` where every cell has a slide type, and teacher notes are notes.

    A lesson whose cells carry `slideshow` metadata keeps it (untagged cells continue the
    current slide). Without any, a markdown cell that starts with a heading begins a new
    slide and every other cell is a sub-slide below it, so no screen overflows. A teacher
    note is always `notes`, with its kind in `dojo_note` for the template.
    """
    nb = copy.deepcopy(nb)
    tagged = any("slideshow" in cell.metadata for cell in nb.cells if not note_kind(cell))
    for number, cell in enumerate(nb.cells):
        note = note_kind(cell)
        if note:
            kind = "notes"
            cell.metadata["dojo_note"] = note
        elif tagged:
            kind = cell.metadata.get("slideshow", {}).get("slide_type", "-")
        elif number == 0 or (cell.cell_type == "markdown"
                             and cell.source.lstrip().startswith("#")):
            kind = "slide"
        else:
            kind = "subslide"
        cell.metadata["slideshow"] = {"slide_type": kind}
    if nb.cells and nb.cells[0].metadata["slideshow"]["slide_type"] in ("-", "fragment"):
        nb.cells[0].metadata["slideshow"]["slide_type"] = "slide"
    return nb


def slides_page(nb: Any, info: dict[str, Any]) -> str:
    """The lesson's deck, using the bundled reveal.js at `info['static']/reveal`."""
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(template_name="dojo-slides",
                              extra_template_basedirs=[str(TEMPLATES)],
                              reveal_url_prefix=f"{info['static']}/reveal", reveal_theme="serif",
                              reveal_transition="none", exclude_input_prompt=True,
                              exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(with_slide_types(nb), resources={
        "dojo": {**info, "note_styles": NOTE_STYLES}})
    return body
