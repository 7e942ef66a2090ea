"""Placeholder: filled in by the board issue."""

ROUTES: list = []
