"""Credentials people manage: API tokens, password change, reset and invitation links, sign-in back-off."""
