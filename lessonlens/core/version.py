"""The installed version of lessonlens."""

from importlib import metadata

try:
    __version__ = metadata.version("lessonlens")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
