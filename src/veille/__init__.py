"""veille: local-first brand monitoring from the terminal."""

__version__ = "0.1.0"
