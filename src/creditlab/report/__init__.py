"""The reports every command writes: figures that pass the same checks
(:mod:`creditlab.report.figures`), pages and tables in one style and vocabulary
(:mod:`creditlab.report.pages`), each headed by what was run
(:mod:`creditlab.report.header`), and an ``index.html`` per output folder linking all of
it (:mod:`creditlab.report.index`)."""

from creditlab.report.figures import (
    DPI,
    MAX_WIDTH_MM,
    FigureWarning,
    figure,
    figure_problems,
    figure_title,
    plot_band,
    plot_learning_curves,
    readable_log_axis,
    save_figure,
    smooth,
)
from creditlab.report.header import header_html, run_facts
from creditlab.report.index import write_index
from creditlab.report.pages import (
    frame_markdown,
    how_to_read,
    html_page,
    html_table,
    markdown_document,
    markdown_html,
    markdown_table,
    number,
    summary_row,
    write_comparison_report,
    write_markdown_page,
    yes_no,
)

__all__ = [
    "DPI",
    "MAX_WIDTH_MM",
    "FigureWarning",
    "figure",
    "figure_problems",
    "figure_title",
    "frame_markdown",
    "header_html",
    "how_to_read",
    "html_page",
    "html_table",
    "markdown_document",
    "markdown_html",
    "markdown_table",
    "number",
    "plot_band",
    "plot_learning_curves",
    "readable_log_axis",
    "run_facts",
    "save_figure",
    "smooth",
    "summary_row",
    "write_comparison_report",
    "write_index",
    "write_markdown_page",
    "yes_no",
]
