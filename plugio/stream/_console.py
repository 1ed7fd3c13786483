"""Console text into finished lines, as a terminal leaves them after redraws.

A line still being drawn (a progress bar) can be sent before it ends, as
pieces that continue (:meth:`LineAssembler.take_unfinished`), so a reader
shows its current drawing.
"""

from __future__ import annotations

__all__ = ["LineAssembler", "last_state"]

Run = tuple[list[str], bool]
"""Texts written together, and whether the last one continues in the next run."""


def last_state(line: str) -> str:
    """What a line drawn with carriage returns ends up showing.

    Progress bars redraw their line after ``\\r``; the last non-empty drawing
    is kept (``"10%\\r20%\\r"`` is ``"20%"``, ``"done\\r\\n"`` is ``"done"``).
    """
    if "\r" not in line:
        return line
    for drawing in reversed(line.split("\r")):
        if drawing:
            return drawing
    return ""


def _compact(partial: str) -> str:
    """Drop the redraws of an unfinished line that no later text can bring back."""
    if "\r" not in partial:
        return partial
    before, _, after = partial.rpartition("\r")
    if after:
        return "\r" + after
    return last_state(before) + "\r"


class LineAssembler:
    """Splits written text into lines, collapsing carriage-return redraws.

    Text is buffered until its newline arrives. A line longer than
    ``max_chars`` comes out in pieces of at most ``max_chars`` characters, each
    but the last marked as continued, so no piece is unbounded; an unfinished
    line that grows past ``max_chars`` is cut the same way. Lines come out in
    runs (one per call, split where a line continues). Not thread-safe: the
    writer calls it under its lock.
    """

    def __init__(self, max_chars: int) -> None:
        self._max = max_chars
        self._partial = ""
        self._continued = False  # the unfinished line went out in pieces already

    def feed(self, text: str) -> list[Run]:
        """The runs of lines ``text`` finishes."""
        if (
            not self._partial
            and not self._continued
            and text.endswith("\n")
            and len(text) <= self._max
        ):
            line = text[:-1]
            if "\n" not in line and "\r" not in line:  # the usual case: one whole line
                return [([line], False)]
        data = self._partial + text if self._partial else text
        runs: list[Run] = []
        if "\n" in data:
            redrawn = "\r" in data
            lines = data.split("\n")
            data = lines.pop()
            first = lines[0]
            if redrawn:
                lines = [last_state(line) for line in lines]
            if self._continued:
                self._continued = False
                if "\r" in first:  # its last drawing replaces the pieces sent so far
                    lines[0] = "\r" + lines[0]
            if max(map(len, lines)) > self._max:
                runs.extend(self._cut(lines))
            else:
                runs.append((lines, False))
        self._partial = _compact(data)
        if len(self._partial) > self._max:
            runs.extend(self._cut_partial())
        return runs

    def finish(self) -> list[Run]:
        """The runs of the unfinished line, if any; the assembler is then empty."""
        partial, self._partial = self._partial, ""
        line = last_state(partial)
        if self._continued:
            self._continued = False
            if "\r" in partial and line:
                line = "\r" + line
        return self._cut([line]) if line else []

    def take_unfinished(self) -> list[Run]:
        """The unfinished line so far, as a piece that continues, so readers can show it.

        Its redraws stay in it (``"\\r50%"``): a reader joins the pieces of a
        line and shows the last drawing. The rest of the line follows in later
        pieces; its end keeps a leading ``"\\r"`` when it redraws.
        """
        if not self._partial:
            return []
        piece, self._partial = self._partial, ""
        self._continued = True
        return [([piece], True)]

    def _cut_partial(self) -> list[Run]:
        # After _compact a partial line holds at most one "\r", at one end.
        body = self._partial.strip("\r")
        if len(body) <= self._max:
            return []
        cut = (len(body) - 1) // self._max * self._max
        redraw = "\r" if self._partial.endswith("\r") else ""
        self._partial = body[cut:] + redraw
        return [([body[i : i + self._max]], True) for i in range(0, cut, self._max)]

    def _cut(self, lines: list[str]) -> list[Run]:
        runs: list[Run] = []
        current: list[str] = []
        size = self._max
        for line in lines:
            if len(line) <= size:
                current.append(line)
                continue
            for start in range(0, len(line) - size, size):
                current.append(line[start : start + size])
                runs.append((current, True))
                current = []
            current.append(line[(len(line) - 1) // size * size :])
        if current:
            runs.append((current, False))
        return runs
