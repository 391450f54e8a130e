"""editorial: a Plone-style editorial workflow service."""

__version__ = "0.1.0"
