"""Runnable demos, run as modules from the repository root: ``python -m demos.xor``."""
