"""The editorial test suite."""
