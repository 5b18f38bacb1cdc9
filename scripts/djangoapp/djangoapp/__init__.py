"""A small Django site for djsession's shared-login tests and demo (scripts/djangoapp)."""
