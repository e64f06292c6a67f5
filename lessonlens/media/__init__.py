"""Media decoding and sampling, shared by all detectors."""
