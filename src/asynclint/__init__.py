"""asynclint: a linter for Django code that runs on an event loop."""

__version__ = "0.1.0"
