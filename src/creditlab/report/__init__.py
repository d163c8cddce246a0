"""The reports every command writes: figures that pass the same checks
(:mod:`creditlab.report.figures`) and pages and tables in one style
(:mod:`creditlab.report.pages`)."""

from creditlab.report.figures import (
    DPI,
    MAX_WIDTH_MM,
    FigureWarning,
    figure,
    figure_problems,
    plot_band,
    plot_learning_curves,
    readable_log_axis,
    save_figure,
    smooth,
)
from creditlab.report.pages import (
    frame_markdown,
    html_page,
    html_table,
    markdown_document,
    markdown_table,
    summary_row,
    write_comparison_report,
)

__all__ = [
    "DPI",
    "MAX_WIDTH_MM",
    "FigureWarning",
    "figure",
    "figure_problems",
    "frame_markdown",
    "html_page",
    "html_table",
    "markdown_document",
    "markdown_table",
    "plot_band",
    "plot_learning_curves",
    "readable_log_axis",
    "save_figure",
    "smooth",
    "summary_row",
    "write_comparison_report",
]
