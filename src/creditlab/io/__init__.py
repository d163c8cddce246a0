"""Reading and writing results: run folders, checkpoints, tables."""

from creditlab.io.run_directory import OutputExists, RunDirectory, load_checkpoint, load_run_config

__all__ = ["OutputExists", "RunDirectory", "load_checkpoint", "load_run_config"]
