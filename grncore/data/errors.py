"""The one exception type for bad user input."""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input, with what is wrong, where, and how to fix it.

    ``str(err)`` reads ``"<where>: <what>. <fix>"`` so that the CLI and the pages can show it as is.
    It is the only exception readers raise for bad files; anything else is a bug.
    """

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None):
        self.what = what.rstrip(".")
        self.where = where
        self.fix = fix
        text = self.what + "."
        if where:
            text = f"{where}: {text}"
        if fix:
            text = f"{text} {fix[0].upper()}{fix[1:].rstrip('.')}."
        super().__init__(text)
