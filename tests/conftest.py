"""Shared pytest configuration: the project's own fixtures, as users would enable them."""

pytest_plugins = ["boto_session_manager.testing.pytest_plugin"]
