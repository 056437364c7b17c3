"""Command-line secrets that may start with "-": a token or password is data, never an option.

argparse reads `--token -abc` as `--token` with no value and an unknown `-abc`, and one token in
64 issued before the hub stopped issuing them started with "-" (url-safe base64). Joining each
secret option with the word after it (`--token=-abc`, which argparse always reads right) makes
both spellings work, whatever the secret starts with.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def join_secret_values(argv: Sequence[str] | None, options: Sequence[str]) -> list[str]:
    """`argv` (default: this process's arguments) with `OPTION VALUE` written `OPTION=VALUE`
    for each of `options`; everything else, and anything after `--`, as it was."""
    words = list(sys.argv[1:] if argv is None else argv)
    joined: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--":
            joined.extend(words[index:])
            break
        if word in options and index + 1 < len(words):
            joined.append(f"{word}={words[index + 1]}")
            index += 2
            continue
        joined.append(word)
        index += 1
    return joined
