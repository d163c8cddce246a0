"""The one registry of learning rules: names, forms, options and flags.

Each :class:`RuleEntry` names a rule and gives the forms it comes in:

- ``supervised(network, objective, **options) -> Rule``: trained on batches of trials
  (``creditlab train``, ``creditlab compare``; :mod:`creditlab.rules.base`);
- ``closed_loop(**options) -> OnlineRule``: plasticity once per step inside a closed-loop
  experiment, given the step ``dt_ms`` if it takes one (``creditlab bci``, ``creditlab
  song``; :mod:`.online`); for BPTT, a :class:`creditlab.rules.bptt.SurrogateGradient`
  that the experiment applies to its differentiable surrogate once per window.

Flags say what a rule needs to know. ``knows_target``: it uses the task's target itself
(BPTT differentiates the loss), so on an in-silico experiment it is an upper bound, not
a hypothesis about the animal. ``learning_signal``: it learns from a per-neuron signal
L = B e delivered by a feedback pathway; ``feedback`` says which B the rule assumes
(``"symmetric"``: the output's own weights, which in the BCI are the experimenter's
decoder, so such a run is an upper bound too; ``"random"``: fixed random weights).
``closed_loop_same_as`` names the rule this one reduces to in a closed loop with one
plastic layer and one cell type, so that an experiment can say so instead of printing
identical numbers twice.

A user adds a rule of their own with :func:`register` (see the README): it then runs on
the experiments and in ``creditlab compare`` like the built-in ones, by name.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from creditlab.rules.base import Rule
from creditlab.rules.bptt import SurrogateGradient
from creditlab.rules.online import OnlineRule

FeedbackKind = Literal["symmetric", "random"]
ONLINE = "online: one update per step, inside the scan"


@dataclass(frozen=True)
class RuleEntry:
    """One learning rule (module docstring)."""

    name: str
    description: str
    supervised: Callable[..., Rule] | None = None
    closed_loop: Callable[..., OnlineRule | SurrogateGradient] | None = None
    knows_target: bool = False
    learning_signal: bool = False
    feedback: FeedbackKind = "symmetric"
    closed_loop_same_as: str | None = None
    closed_loop_reason: str = ""
    closed_loop_batching: str = ONLINE

    def __post_init__(self) -> None:
        if not self.name or any(c.isspace() or c == "," for c in self.name):
            raise ValueError(f"a rule's name must not contain spaces or commas: {self.name!r}")
        if self.supervised is None and self.closed_loop is None:
            raise ValueError(f"rule {self.name!r} needs a supervised or a closed-loop form")


_REGISTRY: dict[str, RuleEntry] = {}


def register(entry: RuleEntry, *, replace: bool = False) -> RuleEntry:
    """Add ``entry`` to the registry (``replace=True`` to redefine a name)."""
    if entry.name in _REGISTRY and not replace:
        raise ValueError(f"a rule named {entry.name!r} is already registered")
    _REGISTRY[entry.name] = entry
    return entry


def rule_names() -> tuple[str, ...]:
    """Every registered rule's name, in registration order."""
    return tuple(_REGISTRY)


def get_rule(name: str) -> RuleEntry:
    """The entry called ``name``; a clear error naming the known rules otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown rule {name!r}; known rules: {', '.join(_REGISTRY)}") from None


class SupervisedRules(Mapping):
    """``RULES[name]`` is the supervised form of every registered rule that has one."""

    def __getitem__(self, name: str) -> Callable[..., Rule]:
        entry = _REGISTRY.get(name)
        if entry is None or entry.supervised is None:
            raise KeyError(name)
        return entry.supervised

    def __iter__(self) -> Iterator[str]:
        return (name for name, entry in _REGISTRY.items() if entry.supervised is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def closed_loop_note(entry: RuleEntry) -> str | None:
    """What a closed-loop run of ``entry`` should say instead of printing another rule's
    numbers under its name (None when it is its own rule there)."""
    if entry.closed_loop_same_as is None:
        return None
    return (
        f"{entry.name} runs as {entry.closed_loop_same_as} in this closed loop: "
        f"{entry.closed_loop_reason}"
    )


def closed_loop_options(entry: RuleEntry) -> tuple[str, ...]:
    """The options ``entry``'s closed-loop form accepts (``dt_ms`` is the experiment's)."""
    if entry.closed_loop is None:
        return ()
    parameters = inspect.signature(entry.closed_loop).parameters
    return tuple(name for name in parameters if name != "dt_ms")


def closed_loop_rule(
    name: str,
    *,
    dt_ms: float,
    defaults: Mapping[str, Mapping[str, Any]],
    options: Mapping[str, Any],
    experiment: str,
) -> OnlineRule | SurrogateGradient:
    """Rule ``name``'s closed-loop form with an experiment's ``defaults`` (keyed by the
    rule whose form they set: rules that share a form, such as e-prop and direct feedback
    alignment, share its defaults) overridden by the user's ``options``."""
    entry = get_rule(name)
    if entry.closed_loop is None:
        raise ValueError(
            f"rule {name!r} has no closed-loop form, so it cannot run on the {experiment}; "
            f"rules that can: {', '.join(n for n, e in _REGISTRY.items() if e.closed_loop)}"
        )
    allowed = closed_loop_options(entry)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"rule {name!r} has no option(s) {unknown}; allowed: {list(allowed)}")
    current = option_values(name, defaults)
    for key, value in options.items():  # True is not a learning rate, nor 1.0 a switch
        if current[key] is not None and isinstance(value, bool) != isinstance(current[key], bool):
            kind = "a switch (true/false)" if isinstance(current[key], bool) else "a number"
            raise ValueError(f"rule {name!r}: option {key} = {value!r}, but it is {kind}")
    chosen = experiment_defaults(name, defaults)
    if "dt_ms" in inspect.signature(entry.closed_loop).parameters:
        chosen["dt_ms"] = dt_ms
    return entry.closed_loop(**(chosen | dict(options)))


def experiment_defaults(name: str, defaults: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The options an experiment's ``defaults`` set for rule ``name``'s closed-loop form
    (keyed by any rule sharing that form)."""
    entry = get_rule(name)
    allowed = closed_loop_options(entry)
    chosen: dict[str, Any] = {}
    for owner, values in defaults.items():
        if owner in _REGISTRY and _REGISTRY[owner].closed_loop is entry.closed_loop:
            chosen = {k: v for k, v in values.items() if k in allowed}
    return chosen


def option_values(name: str, defaults: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Every option of rule ``name``'s closed-loop form with the value it runs at: the
    experiment's default where it sets one, else the form's own."""
    entry = get_rule(name)
    if entry.closed_loop is None:
        return {}
    parameters = inspect.signature(entry.closed_loop).parameters
    own = {
        k: v.default
        for k, v in parameters.items()
        if k != "dt_ms" and v.default is not inspect.Parameter.empty
    }
    return own | experiment_defaults(name, defaults)
