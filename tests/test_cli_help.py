"""Every command's ``--help`` keeps what its options say (defaults and units in brackets
are not taken for markup), shows each default, and wraps its description as prose (no
line broken early mid-paragraph)."""

import itertools
import re

import click
import pytest
import typer
from typer.testing import CliRunner

from creditlab.cli import app

runner = CliRunner()
COMMAND = typer.main.get_command(app)
NAMES = sorted(COMMAND.commands)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_every_command_is_checked() -> None:
    assert {"train", "compare", "bci", "song", "demo"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_help_keeps_every_option_s_text_and_shows_its_default(name) -> None:
    result = runner.invoke(app, [name, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    shown = squeeze(result.output)
    defaults = 0
    for parameter in COMMAND.commands[name].params:
        if parameter.name == "help":
            continue
        # click wraps long help at spaces and hyphens; compare with all whitespace squeezed
        text = squeeze(getattr(parameter, "help", None) or "").replace("- ", "-")
        assert text in shown.replace("- ", "-"), (name, parameter.name)
        if isinstance(parameter, click.Option) and parameter.default is not None:
            assert parameter.show_default is not False, (name, parameter.name)
            defaults += 1
    assert defaults == 0 or "[default:" in shown


@pytest.mark.parametrize("name", NAMES)
def test_the_description_is_wrapped_as_prose(name) -> None:
    output = runner.invoke(app, [name, "--help"], env={"COLUMNS": "100"}).output
    description = re.split("Arguments:|Options:", output)[0].splitlines()[2:]  # after Usage
    width = max((len(line) for line in output.splitlines()), default=0)
    for line, following in itertools.pairwise(description):
        if line.strip() and following.strip():
            # the next line's first word would have fitted on this one: broken early
            assert len(line) + 1 + len(following.split()[0]) > min(width, 80) - 2, (name, line)


def test_a_bracketed_unit_would_be_seen_as_markup_by_rich() -> None:
    """must fail: the check above sees text that rich's markup would eat."""
    from rich.console import Console

    console = Console(width=100, record=True)
    console.print("one session per day [min]  [default 1000]")
    assert "[min]" not in console.export_text()
