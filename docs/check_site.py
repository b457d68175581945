"""Check a built copy of the documentation site.

Usage::

    python docs/check_site.py docs/_build/html

Fails (exit status 1, with one line per problem) when

- a page or a stylesheet loads anything from the network: a script,
  stylesheet, font, image, media or frame whose address is ``http(s)://`` or
  ``//host`` (links a reader may follow are fine);
- an image, script, stylesheet or local link points to a file that is not
  in the site, or a link's ``#fragment`` to an anchor its page lacks;
- a public name of ``convops.__all__``, ``solvers.__all__`` or
  ``experiments.__all__`` has no API page (``api/generated/<package>.<name>.html``
  defining ``<package>.<name>``);
- a gallery script ``docs/gallery/plot_*.py`` has no page, or its page shows
  no image.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

PACKAGES = ("convops", "solvers", "experiments")
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""", re.I)
# rel values of <link> that make the browser fetch the target when the page opens
FETCHING_RELS = {"stylesheet", "preload", "modulepreload", "icon", "shortcut", "apple-touch-icon", "manifest",
                 "prefetch", "preconnect", "dns-prefetch"}


class _Page(HTMLParser):
    """The addresses a page loads, the links it has and the anchors it defines."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.loads: list[tuple[str, str]] = []     # (what, address)
        self.links: list[str] = []
        self.anchors: set[str] = set()
        self.images: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key) and (key == "id" or tag == "a"):
                self.anchors.add(a[key])
        if tag in ("script", "img", "iframe", "audio", "video", "source", "embed", "track", "input") \
                and a.get("src"):
            self.loads.append((tag, a["src"]))
            if tag == "img":
                self.images.append(a["src"])
        if tag == "img" and a.get("srcset"):
            for item in a["srcset"].split(","):
                if item.strip():
                    self.loads.append(("img srcset", item.split()[0]))
        if tag == "object" and a.get("data"):
            self.loads.append(("object", a["data"]))
        if tag == "link" and a.get("href"):
            rels = set((a.get("rel") or "").lower().split())
            if rels & FETCHING_RELS:
                self.loads.append(("link " + " ".join(sorted(rels)), a["href"]))
            else:
                self.links.append(a["href"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if a.get("style"):
            self.styles.append(a["style"])

    def handle_data(self, data):
        if self.lasttag == "style":
            self.styles.append(data)


def _local_target(page: Path, address: str, root: Path) -> tuple[Path | None, str]:
    """The file an address names (``None`` if it is not a local file) and its fragment."""
    parts = urlsplit(address)
    if parts.scheme or parts.netloc or address.startswith(("mailto:", "javascript:", "data:")):
        return None, ""
    if not parts.path:
        return page, unquote(parts.fragment)
    target = (page.parent / unquote(parts.path)).resolve()
    if target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def check_site(root: Path, docs: Path) -> list[str]:
    """Every problem found in the site built at `root` (from the sources in `docs`)."""
    root = root.resolve()
    problems: list[str] = []
    # the theme's Jinja macros (_static/webpack-macros.html) are not a page
    pages = sorted(p for p in root.rglob("*.html") if "_static" not in p.relative_to(root).parts)
    if not pages:
        return [f"{root}: no HTML page"]
    parsed: dict[Path, _Page] = {}
    for page in pages:
        parser = _Page()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        parsed[page.resolve()] = parser

    for page, info in parsed.items():
        rel = page.relative_to(root)
        loads = list(info.loads) + [("style url", u) for s in info.styles for u in CSS_URL.findall(s)]
        for what, address in loads:
            if REMOTE.match(address):
                problems.append(f"{rel}: {what} loaded from the network: {address}")
                continue
            target, _ = _local_target(page, address, root)
            if target is not None and not target.is_file():
                problems.append(f"{rel}: {what} missing: {address}")
        for address in info.links:
            target, fragment = _local_target(page, address, root)
            if target is None:
                continue
            if not target.is_file():
                problems.append(f"{rel}: broken link: {address}")
            elif fragment and target.suffix == ".html":
                anchors = parsed[target].anchors if target in parsed else set()
                if fragment not in anchors:
                    problems.append(f"{rel}: link to a missing anchor: {address}")

    for css in sorted(root.rglob("*.css")):
        text = css.read_text(encoding="utf-8", errors="replace")
        for address in CSS_URL.findall(text):
            if REMOTE.match(address):
                problems.append(f"{css.relative_to(root)}: stylesheet loads from the network: {address}")
            elif not address.startswith("data:"):
                target = (css.parent / unquote(urlsplit(address).path)).resolve()
                if not target.is_file():
                    problems.append(f"{css.relative_to(root)}: missing file: {address}")

    for package in PACKAGES:
        module = importlib.import_module(package)
        for name in module.__all__:
            page = root / "api" / "generated" / f"{package}.{name}.html"
            if not page.is_file():
                problems.append(f"no API page for {package}.{name}")
            elif f"{package}.{name}" not in parsed[page.resolve()].anchors:
                problems.append(f"{page.relative_to(root)} does not document {package}.{name}")

    for script in sorted((docs / "gallery").glob("plot_*.py")):
        page = root / "auto_examples" / f"{script.stem}.html"
        if not page.is_file():
            problems.append(f"no gallery page for {script.name}")
        elif not any(f"sphx_glr_{script.stem}_" in src for src in parsed[page.resolve()].images):
            problems.append(f"{page.relative_to(root)} shows no figure of {script.name}")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="the built HTML site, e.g. docs/_build/html")
    args = parser.parse_args(argv)
    docs = Path(__file__).resolve().parent
    sys.path.insert(0, str(docs.parent))      # check the names of this tree's packages
    problems = check_site(args.site, docs)
    for problem in problems:
        print(problem)
    pages = len([p for p in args.site.rglob("*.html") if "_static" not in p.relative_to(args.site).parts])
    api = len(list((args.site / "api" / "generated").glob("*.html")))
    gallery = len(list((docs / "gallery").glob("plot_*.py")))
    if problems:
        print(f"site check failed: {len(problems)} problems in {pages} pages")
        return 1
    print(f"site check passed: {pages} pages ({api} API pages, {gallery} gallery examples), "
          "nothing loaded from the network, no broken link or missing image")
    return 0


if __name__ == "__main__":
    sys.exit(main())
