"""Report renderers: analyses and rubric results -> HTML / PDF / JSON / CSV."""
