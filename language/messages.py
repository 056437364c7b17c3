"""A translation catalog looked up and filled in for a person on a screen: one language's message,
else the reference language's, else the key; filled in without ever raising, because a missing
key or placeholder is a bug for the catalog tests to catch, not a crash in front of a citizen or
a staff member. Both apps' translators are this, with their own formats on top."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any


def placeholders(text: str) -> frozenset[str]:
    """The ``{names}`` a message expects."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


class Messages:
    """The messages of one language, falling back to the reference catalog's."""

    def __init__(self, catalog: Mapping[str, str], reference: Mapping[str, str]) -> None:
        self._catalog = catalog
        self._reference = reference

    def template(self, key: str) -> str:
        """A message with its placeholders left in, for a view to fill in later."""
        return self._catalog.get(key) or self._reference.get(key) or key

    def __call__(self, key: str, **fields: object) -> str:
        text = self.template(key)
        if not fields:
            return text
        try:
            return text.format(**self.prepared(fields))
        except (KeyError, IndexError, ValueError, AttributeError):
            return text

    def prepared(self, fields: dict[str, object]) -> dict[str, Any]:
        """The fields as the language's formats want them; as given here."""
        return fields
