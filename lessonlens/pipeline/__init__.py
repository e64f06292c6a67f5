"""The public stage functions: detect -> code -> measure (:mod:`.stages`, :mod:`.measure`), what a
lesson may be given as (:mod:`.inputs`), and the reports' entry point (:mod:`.reporting`)."""
