"""The integration register: JSON (with a JSON Schema), Markdown pages with Mermaid diagrams,
Backstage catalog entities, and review status.

``overdue(spec, today)`` is the pure function a CI gate uses to fail on overdue reviews.
"""

from airlock.register.build import build_register
from airlock.register.records import Register, register_schema, register_schema_text
from airlock.register.reviews import ReviewState, overdue, review_state, review_states
from airlock.register.writer import RegisterOutputError, render, write_register

__all__ = [
    "Register",
    "RegisterOutputError",
    "ReviewState",
    "build_register",
    "overdue",
    "register_schema",
    "register_schema_text",
    "render",
    "review_state",
    "review_states",
    "write_register",
]
