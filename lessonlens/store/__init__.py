"""The lesson store: records over time."""
