"""One module per chart kind; each returns SVG markup drawn from plain data in one language."""
