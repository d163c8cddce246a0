"""Every code table of the Area X connectome (j0251) in one place.

Synapse tables of the connectome carry cell types, compartments and spine labels as small
integers, and the same integer means different things in different releases. The tables
here are the facts of ``shared/references/area_x_connectome_formats.md``, each with its
source:

- cell types: SyConn's ``ctgt_j0251_v2`` (``syconn/handler/prediction.py``), the
  authors' ``j0251-v6`` (areaX-connectomic-analysis, for the
  ``…_celltypes_20230822`` release) and the web release's (the j0251 connectome
  guide). ``conn_mat`` files do not say which applies; the user names it.
- axoness (SyConn's ``comp1``/``comp2``): dendrite 0, axon 1, soma 2, en-passant bouton
  3, terminal bouton 4, unknown −1; the presynaptic partner is the one with 1, 3 or 4.
- spiness (SyConn's ``spiness1``/``spiness2``): neck 0, head 1, shaft 2, other 3,
  unassigned −1 (the converters and the label-assigning code; some docstrings disagree).
- the web release's post-synaptic morphology: spine neck 0, spine head 1, shaft 2,
  soma 3, unknown 255.

Decoded names are those of :data:`COMPARTMENTS` and :data:`CELL_TYPES`.
"""

from __future__ import annotations

CELL_TYPE_CODES: dict[str, dict[int, str]] = {
    "ctgt_j0251_v2": {
        0: "STN", 1: "DA", 2: "MSN", 3: "LMAN", 4: "HVC", 5: "TAN", 6: "GPe", 7: "GPi",
        8: "FS", 9: "LTS", 10: "NGF",
    },
    "j0251-v6": {
        0: "DA", 1: "LMAN", 2: "HVC", 3: "MSN", 4: "STN", 5: "TAN", 6: "GPe", 7: "GPi",
        8: "LTS", 9: "INT1", 10: "INT2", 11: "INT3", 12: "ASTRO", 13: "OLIGO", 14: "MICRO",
        15: "MIGR", 16: "FRAG",
    },
    "web-release": {
        0: "ASTRO", 1: "DA", 2: "FRAG", 3: "GPe", 4: "GPi", 5: "HVC", 6: "INT1", 7: "INT2",
        8: "INT3", 9: "LMAN", 10: "LTS", 11: "MICRO", 12: "MIGR", 13: "MSN", 14: "OLIGO",
        15: "STN", 16: "TAN", 17: "unclassified",
    },
}  # fmt: skip
MISSING_CELL_TYPE = -1  # SyConn's code for a partner without a type
CELL_TYPES = frozenset(name for table in CELL_TYPE_CODES.values() for name in table.values())

AXONESS = {
    0: "dendrite", 1: "axon", 2: "soma", 3: "en_passant_bouton", 4: "terminal_bouton",
    -1: "unknown",
}  # fmt: skip
PRESYNAPTIC_AXONESS = frozenset({1, 3, 4})
POSTSYNAPTIC_AXONESS = frozenset({0, 2})
SOMA_AXONESS = 2

SPINESS = {0: "spine_neck", 1: "spine_head", 2: "shaft", 3: "other", -1: "unknown"}
WEB_POST_MORPHOLOGY = {0: "spine_neck", 1: "spine_head", 2: "shaft", 3: "soma", 255: "unknown"}
COMPARTMENTS = ("spine_head", "spine_neck", "shaft", "soma", "other", "unknown")


def cell_type_table(name: str) -> dict[int, str]:
    """The code table called ``name`` (a key of :data:`CELL_TYPE_CODES`)."""
    try:
        return CELL_TYPE_CODES[name]
    except KeyError:
        raise ValueError(
            f"unknown cell-type code table {name!r}; known: {', '.join(CELL_TYPE_CODES)}"
        ) from None
