"""Credential paths: assume-role refresh, GitHub Actions OIDC, a local ``.env``, and selection."""
