"""Read-only sequences whose items are made only when first read.

Metrics are computed on numpy arrays; boxing 450 floats or 170 time ranges into Python objects
costs more than computing them. A :class:`LazyTuple` holds the recipe (a function of the arrays)
and behaves as the tuple it stands for: equal to it, hashing like it, indexing, slicing and
iterating like it. The tuple is built once, on first use, so a lesson measured in bulk for its
scalars never pays for the boxing, and one saved or shown pays for it once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar, overload

T = TypeVar("T")


class LazyTuple(Sequence[T]):
    """The tuple ``make()`` returns, made on first use; ``len`` is known without making it."""

    __slots__ = ("_items", "_length", "_make")

    def __init__(self, make: Callable[[], tuple[T, ...]], length: int) -> None:
        self._make: Callable[[], tuple[T, ...]] | None = make
        self._length = length
        self._items: tuple[T, ...] | None = None

    def items(self) -> tuple[T, ...]:
        """The tuple itself (made now if it was not yet; two threads may both make it, one keeps it)."""
        items, make = self._items, self._make
        if items is not None:
            return items
        if make is None:  # another thread made it between the two reads above
            return self.items()
        items = make()
        if len(items) != self._length:
            raise ValueError(f"a lazy sequence announced {self._length} items and made {len(items)}")
        self._items, self._make = items, None
        return items

    @property
    def made(self) -> bool:
        """Whether the items exist as Python objects yet."""
        return self._items is not None

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...

    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        return self.items()[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self.items())

    def __contains__(self, value: object) -> bool:
        return value in self.items()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyTuple):
            return other is self or self.items() == other.items()
        if isinstance(other, tuple):
            return self.items() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.items())

    def __repr__(self) -> str:
        return repr(self.items())

    def __reduce__(self) -> tuple[Any, ...]:  # pickles (and copies) as the plain tuple
        return (tuple, (self.items(),))


def frozen_sequence(value: Iterable[Any]) -> Sequence[Any]:
    """attrs converter for sequence fields: a tuple or a LazyTuple stays as it is, anything else
    (a list read from JSON) becomes a tuple."""
    if isinstance(value, tuple | LazyTuple):
        return value
    return tuple(value)
