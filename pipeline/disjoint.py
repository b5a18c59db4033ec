"""Disjoint sets (union-find) over 0..n-1: cells a missing rule merges, pictures that touch, copies of a notice."""
from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


class DisjointSets:
    """Items 0..n-1, each in one set; ``union`` joins two sets, ``find`` names the set (path halving)."""

    __slots__ = ("parent",)

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, keep: int, other: int) -> None:
        """Join other's set to keep's (keep's root stays the root)."""
        self.parent[self.find(other)] = self.find(keep)

    def groups(self, items: list[T]) -> list[list[T]]:
        """items (one per index) by set, each set in index order, the sets in order of their first index."""
        out: dict[int, list[T]] = {}
        for i, item in enumerate(items):
            out.setdefault(self.find(i), []).append(item)
        return list(out.values())
