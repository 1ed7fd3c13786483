"""The literal conversion error, kept in plugio's one exception tree."""

from plugio.errors import LiteralConversionError

__all__ = ["LiteralConversionError"]
