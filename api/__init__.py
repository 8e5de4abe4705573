"""The HTTP service: ``create_app`` builds it."""
