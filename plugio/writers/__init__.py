"""Writers: how a task attempt's outputs or error reach the engine's paths."""

from plugio.writers._buffered import BufferedOutputWriter
from plugio.writers._interfaces import OutputWriter
from plugio.writers._remote import RemoteFileOutputWriter

__all__ = ["BufferedOutputWriter", "OutputWriter", "RemoteFileOutputWriter"]
