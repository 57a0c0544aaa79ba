"""HTML of the course book: static files, one page per lesson (nbconvert), the index page."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def install_static(folder: Path, *, slides: bool = False) -> None:
    """Copy KaTeX, the book's CSS/JS, nbconvert's JupyterLab CSS (and reveal.js) to `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("book.css", "book.js", "VENDORED.md"):
        shutil.copy2(STATIC / name, folder / name)
    shutil.copytree(STATIC / "katex", folder / "katex", dirs_exist_ok=True)
    if slides:  # packaged flat (a `dist/` folder is git-ignored); pages expect reveal/dist/
        shutil.copytree(STATIC / "reveal", folder / "reveal" / "dist", dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("LICENSE"))
        shutil.copy2(STATIC / "reveal" / "LICENSE", folder / "reveal" / "LICENSE")
    lab = _lab_static()
    (folder / "nbconvert").mkdir(exist_ok=True)
    for name in ("index.css", "theme-light.css"):
        shutil.copy2(lab / name, folder / "nbconvert" / name)


def _lab_static() -> Path:
    """nbconvert's installed `lab` template's static folder (its CSS, shared by every page)."""
    from nbconvert import HTMLExporter

    for root in HTMLExporter(template_name="lab").template_paths:
        if (Path(root) / "static" / "index.css").is_file():
            return Path(root) / "static"
    raise FileNotFoundError("nbconvert's lab template (static/index.css) is not installed")


def lesson_page(nb: Any, info: dict[str, Any]) -> str:
    """One lesson's page: its narrative, code and outputs (no teacher notes), with the
    measured results and nav in `info`."""
    from nbconvert import HTMLExporter

    from torchdojo.book.convert import without_notes

    exporter = HTMLExporter(template_name="dojo-lesson", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(without_notes(nb), resources={"dojo": info})
    return body


def index_page(parts: list[dict[str, Any]], info: dict[str, Any]) -> str:
    """The course's front page: the four parts and every lesson in course order."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return env.get_template("index.html.j2").render(parts=parts, **info)
