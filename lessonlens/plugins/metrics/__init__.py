"""Metrics: coded timeline -> metrics."""
