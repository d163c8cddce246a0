"""The report system every command uses: an index.html per output folder linking every
page, figure and table, headed by what was run; report pages link back to it; truth
values read yes/no; fractions of birds read as counts."""

import re

import numpy as np
import pandas as pd
import pytest
from conftest import whole_page
from typer.testing import CliRunner

from creditlab.cli import app
from creditlab.experiments.song.outputs import shown_summary
from creditlab.report import html_table, run_facts, write_index, write_markdown_page

runner = CliRunner()


def links(page: str) -> set[str]:
    return set(re.findall(r"href='([^']+)'", page))


def test_a_train_run_gets_an_index_of_everything_with_what_was_run(tmp_path, monkeypatch):
    out = tmp_path / "run"
    args = ["train", "--task", "sine-waves", "--rule", "eprop", "--iterations", "2",
            "--n-rec", "10", "--seed", "3", "--out", str(out)]  # fmt: skip
    monkeypatch.setattr("sys.argv", ["/usr/bin/creditlab", *args])  # as a shell runs it
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    page = (out / "index.html").read_text()
    written = {p.name for p in out.iterdir() if p.name not in {"index.html", ".lock"}}
    assert written <= links(page), written - links(page)
    facts = dict(run_facts(out))
    assert facts["seed"] == "3" and "sine-waves" in facts["run"] and "jax" in facts["versions"]
    assert facts["command"].startswith("creditlab train --task sine-waves") and facts["complete"]
    assert "<th>wall time</th>" in page and f"index: {out / 'index.html'}" in result.stdout
    # must fail: a file the index does not know of is still listed
    (out / "extra.csv").write_text("a\n1\n")
    assert "extra.csv" in links(write_index(out, "again").read_text())


def test_the_demo_s_pages_link_back_to_their_index(tmp_path) -> None:
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--iterations", "2", "--batch", "4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "index.html" in links((out / "report.html").read_text())
    index = (out / "index.html").read_text()
    assert {"report.html", "bptt/metrics.parquet", "eprop/learning_curve.png"} <= links(index)
    page = whole_page(out / "report.html")
    assert "How to read this." in page and "<th>seed</th><td>0</td>" in page
    assert "rules bptt, eprop, iterations 2, batch 4" in page and "<th>wall time</th>" in page


def test_truth_values_read_yes_or_no_everywhere() -> None:
    table = pd.DataFrame({"finding": ["a", "b"], "reproduced": [True, False],
                          "mixed": [np.bool_(True), "n/a"]})  # fmt: skip
    shown = html_table(table)
    assert "yes" in shown and "no" in shown and "True" not in shown and "False" not in shown


def test_fractions_of_birds_read_as_counts() -> None:
    summary = pd.DataFrame({"condition": ["intact", "lesion"], "birds": [10, 10],
                            "final_error": [0.3, 1.0], "final_error_low": [0.2, 0.95],
                            "final_error_high": [0.4, 1.05], "birds_reaching_0.5": [1.0, 0.0],
                            "median_learning_time": [900.0, np.inf],
                            "learning_time_low": [700.0, np.inf],
                            "learning_time_high": [1200.0, np.inf]})  # fmt: skip
    shown = shown_summary(summary)
    assert list(shown["birds reaching half the juvenile error"]) == ["10 of 10", "0 of 10"]
    times = list(shown["learning time (renditions; median [95 % interval])"])
    assert times == ["900 [700, 1200]", "not within the run"]


def test_a_header_never_stops_a_run_over_a_file_it_cannot_read(tmp_path) -> None:
    (tmp_path / "config.json").write_text('["not", "a", "record"]')
    (tmp_path / "status.json").write_text('{"status": "complete", "time": "yesterday"}')
    assert run_facts(tmp_path) == [("complete", "yesterday")]
    (tmp_path / "config.json").write_text('{"config": {"seed": 4}, "started": "then"}')
    facts = dict(run_facts(tmp_path))
    assert facts["seed"] == "4" and "wall time" not in facts  # unreadable times left out
    (tmp_path / "config.json").write_text('{"config": {"conditions": 3, "labels": ["a"]}}')
    assert dict(run_facts(tmp_path))["config"]


def test_a_markdown_page_escapes_what_it_shows_and_explains_each_figure(tmp_path) -> None:
    (tmp_path / "config.json").write_text('{"config": {"seed": 7, "rules": ["a", "b"]}}')
    (tmp_path / "curve.png").write_bytes(b"png")
    (tmp_path / "extra.png").write_bytes(b"png")
    (tmp_path / "page.md").write_text(
        "# A <title>\n\nA rule named <script>alert(1)</script>.\n\n"
        "| rule | error |\n|---|---|\n| a | `<b>` |\n\n![curve](curve.png)\n"
    )
    how = {"curve.png": "x: iteration; y: loss", "extra.png": "a figure the text omits"}
    page = whole_page(write_markdown_page(tmp_path / "page.md", how=how))
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;" in page
    assert "<title>A &lt;title&gt;</title>" in page and "<td>a</td>" in page
    figures = re.findall(r"<figure>.*?</figure>", page, re.S)
    assert "curve.png" in figures[0] and "x: iteration; y: loss" in figures[0]
    assert "extra.png" in figures[1] and "<th>seed</th><td>7</td>" in page
    assert "rules a, b" in page
    # must fail: a figure with no how-to-read, or a link to nothing, is caught
    with pytest.raises(AssertionError, match="without a how-to-read"):
        whole_page(write_markdown_page(tmp_path / "page.md"))
    (tmp_path / "page.md").write_text("# T\n\nsee [the table](table.md)\n")
    with pytest.raises(AssertionError, match=r"missing files: \['table.md'\]"):
        whole_page(write_markdown_page(tmp_path / "page.md"))


def test_an_index_says_what_each_page_is_and_gives_each_subfolder_one_row(tmp_path) -> None:
    (tmp_path / "signatures.html").write_text("<title>Which rule &amp; which finding</title>")
    for name in ("a/report.html", "a/curve.png", "a/daily.parquet", "b/weights.npy"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x")
    page = write_index(tmp_path, "results").read_text()
    assert "signatures.html</a> — Which rule &amp; which finding" in page
    assert {"a/report.html", "a/curve.png", "a/daily.parquet", "b/weights.npy"} <= links(page)
    rows = re.findall(r"<tr><th>(\w+)/</th>", page)
    assert rows == ["a", "b"] and "class=thumb" not in page  # no thumbnails of subfolders
