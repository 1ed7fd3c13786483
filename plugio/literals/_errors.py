"""The error of a value that has no literal form, or a literal that has no Python form."""

from __future__ import annotations

from plugio.errors import PlugioError

__all__ = ["LiteralConversionError"]


class LiteralConversionError(PlugioError, TypeError, ValueError):
    """A value cannot become a literal, or a literal cannot become the value asked for.

    It is a ``TypeError`` (an unsupported type) and a ``ValueError`` (a value
    out of range, a naive datetime, a literal that does not fit the type asked
    for), so either ``except`` catches it.

    Attributes:
        name: Where the value is: the variable, then indexes, keys and fields,
            as ``rows[3]``, ``config['retries']`` or ``model.field``.
        python_type: The name of the value's type (when writing) or of the
            type asked for (when reading).
        reason: What is wrong, in a sentence.
    """

    def __init__(self, name: str, python_type: str, reason: str) -> None:
        super().__init__(f"cannot convert {name} ({python_type}): {reason}")
        self.name = name
        self.python_type = python_type
        self.reason = reason

    def __reduce__(self) -> tuple[type[LiteralConversionError], tuple[str, str, str]]:
        return type(self), (self.name, self.python_type, self.reason)

    def _prefix(self, segment: str) -> None:
        """Put ``segment`` (a variable, ``[3]``, ``['k']``) in front of the name.

        Containers call it while the error passes through them, so the name is
        built only when something failed.
        """
        self.name = segment + self.name
        self.args = (f"cannot convert {self.name} ({self.python_type}): {self.reason}",)
