"""Fuzz frames derived from the protocol's own types, for tests/signaling/test_fuzz.py and
bench/fuzz.py.

Valid messages come from ``msgspec.inspect``: every Struct of a union, every field with its type
and constraints (``min_length``, ``ge`` ...). ``messages`` is the hypothesis strategy;
``random_message`` draws the same from a ``random.Random``, a hundred times faster, for the
bench's million. ``mutate`` then breaks an encoded message the ways a peer could: a wrong type,
a value out of range, a missing or unknown field, an unknown tag, truncation, deep nesting, a
huge string, a flipped byte, or bytes that are not JSON at all.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import random
import secrets
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec
import msgspec.inspect as mi
from hypothesis import strategies as st
from websockets.asyncio.client import connect

from signaling import protocol as p

# Short strings and lists keep frames small and the fuzz fast; size attacks are mutations.
MAX_TEXT = 24
MAX_ITEMS = 3
KNOWN_WORDS = ("juminhyo", "zei", "shimin", "zeimu", "ja", "en", "resolved")
MARKER_WAIT = 30.0  # seconds for a batch's marker to come back: the hub is stuck if longer
ODD_VALUES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    2**63,
    -(2**64),
    1.5,
    1e308,
    "",
    "x",
    "=1+2",
    "\u0000",
    "窓口",
    [],
    {},
    [1, [2]],
    {"type": "hello"},
)


def struct_types(union: Any) -> list[type[msgspec.Struct]]:
    return list(union.__args__)


def _bounds(t: mi.IntType | mi.FloatType) -> tuple[Any, Any]:
    low = t.ge if t.ge is not None else t.gt
    high = t.le if t.le is not None else t.lt
    return low, high


def strategy_for(t: mi.Type) -> st.SearchStrategy[Any]:
    """A hypothesis strategy of the valid values of one msgspec type."""
    match t:
        case mi.StrType():
            low = t.min_length or 0
            return st.text(min_size=low, max_size=min(t.max_length or MAX_TEXT, low + MAX_TEXT))
        case mi.IntType():
            low, high = _bounds(t)
            return st.integers(low, high)
        case mi.FloatType():
            return st.floats(allow_nan=False, allow_infinity=False)
        case mi.BoolType():
            return st.booleans()
        case mi.NoneType():
            return st.none()
        case mi.EnumType():
            return st.sampled_from(list(t.cls))
        case mi.UnionType():
            return st.one_of([strategy_for(member) for member in t.types])
        case mi.ListType():
            return st.lists(strategy_for(t.item_type), max_size=MAX_ITEMS)
        case mi.DictType():
            keys, values = strategy_for(t.key_type), strategy_for(t.value_type)
            return st.dictionaries(keys, values, max_size=MAX_ITEMS)
        case mi.StructType():
            required = {f.name: strategy_for(f.type) for f in t.fields if f.required}
            optional = {f.name: strategy_for(f.type) for f in t.fields if not f.required}
            cls = t.cls
            return st.fixed_dictionaries(required, optional=optional).map(lambda kw: cls(**kw))
    raise TypeError(f"no strategy for {t!r}: add one")


def messages(union: Any) -> st.SearchStrategy[Any]:
    """Every valid message of a union (p.ClientMessage, p.ServerMessage)."""
    return st.one_of([strategy_for(mi.type_info(cls)) for cls in struct_types(union)])


def random_value(t: mi.Type, rng: random.Random) -> Any:
    """``strategy_for``, drawn from ``rng``: a valid value of one msgspec type."""
    match t:
        case mi.StrType():
            low, high = t.min_length or 0, t.max_length or MAX_TEXT
            if rng.random() < 0.3 and low <= 2 <= 8 <= high:  # known ids reach deeper states
                return rng.choice(KNOWN_WORDS)
            # Short, as strategy_for's: size attacks are mutations.
            length = rng.randint(low, min(high, low + MAX_TEXT))
            return "".join(rng.choices('abc窓口-=_ "\\', k=length))
        case mi.IntType():
            low, high = _bounds(t)
            return rng.randint(-(2**40) if low is None else low, 2**40 if high is None else high)
        case mi.FloatType():
            return rng.uniform(-1e9, 1e9)
        case mi.BoolType():
            return rng.random() < 0.5
        case mi.NoneType():
            return None
        case mi.EnumType():
            return rng.choice(list(t.cls))
        case mi.UnionType():
            return random_value(rng.choice(t.types), rng)
        case mi.ListType():
            return [random_value(t.item_type, rng) for _ in range(rng.randint(0, MAX_ITEMS))]
        case mi.DictType():
            size = rng.randint(0, MAX_ITEMS)
            return {
                random_value(t.key_type, rng): random_value(t.value_type, rng) for _ in range(size)
            }
        case mi.StructType():
            kwargs = {
                f.name: random_value(f.type, rng)
                for f in t.fields
                if f.required or rng.random() < 0.5
            }
            return t.cls(**kwargs)
    raise TypeError(f"no generator for {t!r}: add one")


@functools.cache
def _type_info(cls: type[msgspec.Struct]) -> mi.Type:
    return mi.type_info(cls)


def random_message(union: Any, rng: random.Random) -> Any:
    return random_value(_type_info(rng.choice(struct_types(union))), rng)


# Mutations: each takes a valid message as JSON builtins (a dict with "type") and returns a frame.


def _a_field(message: dict[str, Any], rng: random.Random) -> str:
    return rng.choice([k for k in message if k != "type"] or ["type"])


def _wrong_type(message: dict[str, Any], rng: random.Random) -> Any:
    message[_a_field(message, rng)] = rng.choice(ODD_VALUES)
    return message


def _out_of_range(message: dict[str, Any], rng: random.Random) -> Any:
    message[_a_field(message, rng)] = rng.choice(
        [0, 6, -(2**31), 2**64, "x" * (p.MAX_NOTE_CHARS + 1), "y" * (p.MAX_SDP_CHARS + 1), "j"]
    )
    return message


def _missing_field(message: dict[str, Any], rng: random.Random) -> Any:
    message.pop(_a_field(message, rng), None)
    return message


def _unknown_field(message: dict[str, Any], rng: random.Random) -> Any:
    message[rng.choice(["x", "__proto__", "type ", "session_id\u0000"])] = rng.choice(ODD_VALUES)
    return message


def _unknown_tag(message: dict[str, Any], rng: random.Random) -> Any:
    message["type"] = rng.choice(["", "HELLO", "welcome", "error", "x" * 300, 1, None, ["hello"]])
    return message


def _deep(message: dict[str, Any], rng: random.Random) -> Any:
    depth = rng.choice([p.MAX_DEPTH - 2, p.MAX_DEPTH, p.MAX_DEPTH + 1, 100, 1000, 10_000])
    opener, closer = rng.choice([("[", "]"), ('{"a":', "}")])
    inner = msgspec.json.encode(message[_a_field(message, rng)]).decode()
    nested = opener * depth + inner + closer * depth * rng.choice([1, 1, 0])
    body = msgspec.json.encode({**message, "_": 0}).decode()
    return body.replace('"_":0', '"x":' + nested)


def _huge_string(message: dict[str, Any], rng: random.Random) -> Any:
    message[_a_field(message, rng)] = "長" * rng.choice([10_000, p.MAX_FRAME_BYTES // 3 + 1])
    return message


def _not_an_object(message: dict[str, Any], rng: random.Random) -> Any:
    return rng.choice([list(message.values()), message.get("type"), 1, None, "hello", [message]])


MUTATIONS: tuple[Callable[[dict[str, Any], random.Random], Any], ...] = (
    _wrong_type,
    _out_of_range,
    _missing_field,
    _unknown_field,
    _unknown_tag,
    _deep,
    _huge_string,
    _not_an_object,
)


def mutate(message: Any, rng: random.Random) -> bytes:
    """One frame made from a valid message: left valid, mutated, cut short, or garbled bytes."""
    frame = p.encode(message)
    choice = rng.randrange(len(MUTATIONS) + 4)
    if choice < len(MUTATIONS):
        mutated = MUTATIONS[choice](msgspec.json.decode(frame), rng)
        return mutated.encode() if isinstance(mutated, str) else msgspec.json.encode(mutated)
    choice -= len(MUTATIONS)
    if choice == 0:
        return frame
    if choice == 1:
        return frame[: rng.randrange(len(frame))]
    if choice == 2:
        at = rng.randrange(len(frame))
        return frame[:at] + bytes([rng.randrange(256)]) + frame[at + 1 :]
    return rng.randbytes(rng.randrange(64))


def frames(union: Any) -> st.SearchStrategy[bytes]:
    """Hypothesis: a valid message of the union's types, then ``mutate``d."""
    return st.builds(mutate, messages(union), st.randoms(use_true_random=False))


# The live fuzz: frames over a real socket, with flow control.


@dataclass
class LiveTally:
    """What one live fuzz run did; every answer the hub sent had to decode."""

    frames: int = 0
    batches: int = 0
    answers: int = 0
    errors: Counter[str] = field(default_factory=Counter)


async def fuzz_connection(
    url: str, hello: p.Hello, frames: Iterable[bytes], batch: int, tally: LiveTally
) -> None:
    """Log in, then send ``frames`` in batches. After each batch a marker (an end_of_candidates
    for a session nobody has) must come back as its error before the next batch goes: the hub
    has then read and answered every frame of the batch, so nothing piles up unprocessed.
    """
    async with connect(url, max_size=None) as ws:
        await ws.send(p.encode(hello).decode())
        welcome = p.decode_server(await ws.recv())
        assert isinstance(welcome, p.Welcome), welcome
        nonce = secrets.token_hex(4)
        pending = iter(frames)
        for number in itertools.count():
            chunk = list(itertools.islice(pending, batch))
            if not chunk:
                return
            for frame in chunk:
                try:
                    await ws.send(frame.decode())  # JSON text, as clients send
                except UnicodeDecodeError:
                    await ws.send(frame)  # a binary frame
            marker = f"fuzz-{nonce}-{number}"
            await ws.send(p.encode(p.EndOfCandidates(session_id=marker)).decode())
            async with asyncio.timeout(MARKER_WAIT):
                while True:
                    answer = p.decode_server(await ws.recv())
                    tally.answers += 1
                    if isinstance(answer, p.Error):
                        if answer.session_id == marker:
                            break
                        tally.errors[answer.code] += 1
            tally.frames += len(chunk)
            tally.batches += 1
