"""plugio: the storage data plane for task plugins."""

from plugio._version import __version__

__all__ = ["__version__"]
