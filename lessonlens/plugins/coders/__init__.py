"""Coders: observations -> coded timeline, one coding scheme each."""
