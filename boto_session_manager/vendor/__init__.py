"""2.x's vendored helpers, kept so 2.x code runs: see ``vendor.aws_sts``."""
