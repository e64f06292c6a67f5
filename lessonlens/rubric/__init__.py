"""Rubrics (量规): schema reading and checking, the indicator tree, the schema catalog, raters' score
sheets (checks, reading, writing), aggregation and agreement, rubric facts for the rules, and the
matrix/radar chart specs. The public entry points are in :mod:`.scoring`."""
