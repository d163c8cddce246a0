"""Shared test set-up: float64 available (tests ask for it explicitly), CPU only."""

import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")


def flat(text: str) -> str:
    """Command output with rich's line wrapping undone (``from conftest import flat``)."""
    return " ".join(text.split())
