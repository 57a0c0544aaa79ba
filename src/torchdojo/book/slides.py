"""reveal.js slide decks of lessons, from cells tagged `slideshow` or from their headings."""

from __future__ import annotations

import copy
from typing import Any

from torchdojo.book.html import TEMPLATES


def with_slide_types(nb: Any) -> Any:
    """A copy of `nb` where every cell has a slide type.

    A lesson whose cells carry `slideshow` metadata keeps it (untagged cells continue the
    current slide). Without any, a markdown cell that starts with a heading begins a new
    slide and every other cell is a sub-slide below it, so no screen overflows.
    """
    nb = copy.deepcopy(nb)
    tagged = any("slideshow" in cell.metadata for cell in nb.cells)
    for number, cell in enumerate(nb.cells):
        if tagged:
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
    body, _ = exporter.from_notebook_node(with_slide_types(nb), resources={"dojo": info})
    return body
