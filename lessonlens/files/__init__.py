"""The gates of the files people give and get: every file a user names is read (within limits, a FIFO never
blocks) and every output checked and written (atomically) here; documents are loaded and saved here."""
