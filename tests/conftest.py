"""Shared test set-up: float64 available (tests ask for it explicitly), CPU only."""

import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")


def flat(text: str) -> str:
    """Command output with rich's line wrapping undone (``from conftest import flat``)."""
    return " ".join(text.split())


def whole_page(path) -> str:
    """An HTML report page, after checking what its reader needs (``from conftest import
    whole_page``): a link back to the folder's index, the run's header, every link and
    image resolving to a file in the folder, and a "how to read this" with every figure.
    Returns the page."""
    import re
    from pathlib import Path

    path = Path(path)
    page = path.read_text()
    assert "href='index.html'" in page, f"{path.name}: no link back to the index"
    assert "<table class=header>" in page, f"{path.name}: no header saying what was run"
    targets = set(re.findall(r"(?:href|src)=['\"]([^'\"#:]+)['\"]", page)) - {"index.html"}
    missing = sorted(t for t in targets if not (path.parent / t).is_file())
    assert not missing, f"{path.name} links to missing files: {missing}"
    figures = re.findall(r"<figure>(.*?)</figure>", page, re.S)
    bare = [f for f in figures if "How to read this." not in f]
    assert not bare, f"{path.name}: figures without a how-to-read: {bare}"
    return page
