"""Regulator leads (线索): intake, matching, assignment, verification, disposal and the answer."""
from verifiers.leads.states import DISPOSAL_ACTIONS, SOURCES, STATES

__all__ = ["DISPOSAL_ACTIONS", "SOURCES", "STATES"]
