"""Writing a study's outputs: figures (PNG), numbers (JSON, CSV) and the
index page (Markdown and a self-contained HTML page)."""

from __future__ import annotations

import base64
import csv
import html
import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

__all__ = ["StudyOutput", "to_jsonable", "write_study", "read_study", "write_index"]

# Arrays with more elements than this go to arrays.npz instead of the JSON.
_JSON_ARRAY_LIMIT = 2000


@dataclass
class StudyOutput:
    name: str
    question: str
    summary: str
    figures: list = field(default_factory=list)  # paths relative to the output folder
    files: list = field(default_factory=list)
    seconds: float = 0.0
    quick: bool = False


#: Each study folder's record of its output, read back by :func:`read_study`.
_RECORD = "study.json"


def to_jsonable(obj, arrays: dict | None = None, path: str = ""):
    """Convert study data to JSON types; large arrays go into `arrays`."""
    import numpy as np  # here, not at import: importing the package stays light (see experiments/__init__)

    if isinstance(obj, dict):
        return {str(k): to_jsonable(v, arrays, f"{path}.{k}" if path else str(k)) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v, arrays, f"{path}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, np.ndarray):
        if arrays is not None and obj.size > _JSON_ARRAY_LIMIT:
            arrays[path] = obj
            return f"arrays.npz:{path}"
        return to_jsonable(obj.tolist(), arrays, path)
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer, int)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        value = float(obj)
        return value if math.isfinite(value) else str(value)
    if isinstance(obj, (np.complexfloating, complex)):
        return {"real": float(obj.real), "imag": float(obj.imag)}
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)


def _write_tables(tables: dict, folder: Path) -> list[Path]:
    paths = []
    for name, rows in tables.items():
        rows = list(rows)
        if not rows:
            continue
        path = folder / f"{name}.csv"
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0].keys()))
            writer.writeheader()
            for row in rows:
                writer.writerow({k: to_jsonable(v) for k, v in row.items()})
        paths.append(path)
    return paths


def write_study(name: str, question: str, data: dict, figures: dict, summary: str, out: Path, *,
                quick: bool = False, seconds: float = 0.0) -> StudyOutput:
    """Write one study's figures, data.json (+ arrays.npz), tables and its
    record (study.json: question, summary, files, run time, quick mode)."""
    import numpy as np

    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict = {}
    (folder / "data.json").write_text(json.dumps(to_jsonable(data, arrays), indent=1))
    files = [folder / "data.json"]
    if arrays:
        np.savez_compressed(folder / "arrays.npz", **arrays)
        files.append(folder / "arrays.npz")
    files += _write_tables(data.get("tables", {}), folder)
    figure_paths = []
    for stem, fig in figures.items():
        path = folder / f"{stem}.png"
        # Constrained layout already fits labels and titles; "tight" would lay the figure out twice.
        fig.savefig(path, dpi=110, bbox_inches=None if fig.get_layout_engine() else "tight")
        figure_paths.append(path.relative_to(out).as_posix())
    output = StudyOutput(name, question, summary, figure_paths, [f.relative_to(out).as_posix() for f in files],
                         seconds, quick)
    (folder / _RECORD).write_text(json.dumps(asdict(output), indent=1))
    return output


def read_study(out: Path, name: str) -> StudyOutput | None:
    """The output an earlier run wrote for study `name` in `out`, or None."""
    try:
        record = json.loads((Path(out) / name / _RECORD).read_text())
        return StudyOutput(**{f.name: record[f.name] for f in fields(StudyOutput)})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_index(outputs: list[StudyOutput], out: Path, *, quick: bool, not_run=()) -> tuple[Path, Path]:
    """index.md and a self-contained index.html (figures inline).

    `not_run` lists ``(name, question, command)`` of the studies whose
    results are not in the index, with the command that runs each (a study
    that failed in this run is among them).
    """
    mode = " (quick mode: small sizes)" if quick else ""
    md = [f"# Studies{mode}", ""]
    body = [f"<h1>Studies{html.escape(mode)}</h1>"]
    if not_run:
        md += ["Not in this index yet:", ""] + [f"- {n}: {q} Run `{c}`." for n, q, c in not_run] + [""]
        body.append("<p>Not in this index yet:</p><ul>" + "".join(
            f"<li>{html.escape(n)}: {html.escape(q)} Run <code>{html.escape(c)}</code>.</li>" for n, q, c in not_run)
            + "</ul>")
    for o in outputs:
        md += [f"## {o.name}", "", f"**Question.** {o.question}", "", o.summary.strip(), ""]
        md += [f"![{o.name}: {Path(p).stem}]({p})" for p in o.figures]
        md += ["", "Data: " + ", ".join(f"[{Path(f).name}]({f})" for f in o.files),
               f"(computed in {o.seconds:.1f} s)", ""]
        body += [f"<h2>{html.escape(o.name)}</h2>", f"<p><b>Question.</b> {html.escape(o.question)}</p>",
                 _markdown_to_html(o.summary)]
        for p in o.figures:
            encoded = base64.b64encode((out / p).read_bytes()).decode("ascii")
            body.append(f'<figure><img alt="{html.escape(p)}" src="data:image/png;base64,{encoded}">'
                        f"<figcaption>{html.escape(Path(p).stem)}</figcaption></figure>")
        body.append(f"<p>Data: {', '.join(html.escape(f) for f in o.files)} "
                    f"(computed in {o.seconds:.1f} s)</p>")
    md_path, html_path = out / "index.md", out / "index.html"
    md_path.write_text("\n".join(md))
    style = ("body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"
             "img{max-width:100%}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}")
    html_path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>Studies</title>"
                         f"<style>{style}</style></head><body>{''.join(body)}</body></html>")
    return md_path, html_path


def _markdown_to_html(text: str) -> str:
    """The little Markdown the summaries use: paragraphs, '- ' lists, pipe tables."""
    out, lines = [], text.strip().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(set(c) <= set("-: ") for c in cells):
                    rows.append(cells)
                i += 1
            head, *rest = rows
            out.append("<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head) + "</tr>"
                       + "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rest)
                       + "</table>")
            continue
        if line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].strip().startswith("- "):
                items.append(f"<li>{html.escape(lines[i].strip()[2:])}</li>")
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
            continue
        if line:
            out.append(f"<p>{html.escape(line)}</p>")
        i += 1
    return "".join(out)
