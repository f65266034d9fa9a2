"""The escalation ladder: pure step logic and the engine that fires due steps."""

from escalation.engine import Escalator
from escalation.ladder import Climb, after_climb, next_climb, target_for

__all__ = ["Climb", "Escalator", "after_climb", "next_climb", "target_for"]
