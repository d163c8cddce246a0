"""Fair comparison of learning rules: tune each rule's learning rate, train K seeds at the
best, and write a leaderboard (``creditlab compare``). Trials run on Ray."""

from creditlab.compare.plan import CompareSpec, TrialSpec, plan_tuning
from creditlab.compare.runner import compare
from creditlab.compare.trial import run_trial

__all__ = ["CompareSpec", "TrialSpec", "compare", "plan_tuning", "run_trial"]
