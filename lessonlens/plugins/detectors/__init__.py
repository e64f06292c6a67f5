"""Detectors: media -> observations."""
