"""Every command checks its --out before any work: a file, a folder under a file, or a
folder a running job holds is a clear error (exit 2), never a traceback."""

from __future__ import annotations

import pytest
from conftest import flat
from typer.testing import CliRunner

from creditlab.cli import app
from creditlab.io.run_directory import RunDirectory

COMMANDS = {
    "train": ["train", "--task", "sine-waves", "--rule", "eprop", "--iterations", "1"],
    "demo": ["demo", "--iterations", "1"],
    "compare": ["compare", "--tasks", "teacher-student", "--rules", "bptt", "--iterations", "1"],
    "bci": ["bci"],
    "bci-compare": ["bci-compare", "--rules", "dendritic"],
    "bci-dose-response": ["bci-dose-response"],
    "song": ["song"],
    "tune": ["tune", "--rules", "dendritic"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_out_that_is_a_file_or_under_one_is_refused(tmp_path, command) -> None:
    afile = tmp_path / "results.txt"
    afile.write_text("a user's file")
    for out in (afile, afile / "run"):
        result = CliRunner().invoke(app, [*COMMANDS[command], "--out", str(out)])
        assert result.exit_code == 2, (command, result.output, result.exception)
        assert f"{afile} is a file, not a folder" in flat(result.output)
    assert afile.read_text() == "a user's file"


@pytest.mark.parametrize("command", ["train", "bci", "bci-compare", "song", "tune"])
def test_a_folder_a_running_job_holds_is_refused(tmp_path, command) -> None:
    out = tmp_path / "busy"
    holder = RunDirectory(out)  # a job that has started writing
    result = CliRunner().invoke(app, [*COMMANDS[command], "--out", str(out)])
    assert result.exit_code == 2, (command, result.output, result.exception)
    assert "being written by a running job" in flat(result.output)
    holder.release()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_out_where_no_folder_can_be_made_is_refused_even_for_root(command) -> None:
    """/proc takes no new folders; root passes ``os.access`` there, so the check tries."""
    out = "/proc/creditlab-out"
    result = CliRunner().invoke(app, [*COMMANDS[command], "--out", out])
    assert result.exit_code == 2, (command, result.output, result.exception)
    assert "/proc cannot be written" in flat(result.output)
