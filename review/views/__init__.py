"""Views of the review dashboard, one module per page family."""
