"""2.x's development helper for its own test runs; gone in 3.0 (importing it fails, saying so)."""

raise ImportError(
    "boto_session_manager.vendor.pytest_cov_helper is gone in 3.0: it ran 2.x's own test suite "
    "with coverage; run `pytest --cov=YOUR_PACKAGE` (pytest-cov) instead"
)
