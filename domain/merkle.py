"""RFC 6962 Merkle trees over the log, so anyone holding a signed root can check
that an event is in the log and that a later log only extends an earlier one.

A leaf is whatever bytes the caller commits to (here, the hash of one event);
leaves and interior nodes are hashed with distinct prefixes so that a leaf can
never be passed off as a node. Proofs follow RFC 6962 section 2.1 and are
checked with the RFC 9162 algorithms, which need only sizes, not the tree.
"""

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle tree hash MTH(D[n]) of RFC 6962 section 2.1."""
    if not leaves:
        return EMPTY_ROOT
    level = [leaf_hash(leaf) for leaf in leaves]
    # Pairing neighbours level by level and lifting an unpaired last node builds
    # the RFC's tree: its split at the largest power of two below n falls on a
    # pair boundary at every level, and the right part repeats the same shape.
    while len(level) > 1:
        parents = [
            node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            parents.append(level[-1])
        level = parents
    return level[0]


Range = tuple[int, int]  # leaves [start, end)


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path PATH(index, D[n]) of RFC 6962 section 2.1.1, leaf side first."""
    return [root(leaves[s:e]) for s, e in inclusion_ranges(index, len(leaves))]


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(old_size, D[n]) of RFC 6962 section 2.1.2."""
    return [root(leaves[s:e]) for s, e in consistency_ranges(old_size, len(leaves))]


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The leaves under each node of PATH(index, D[size]), leaf side first."""
    _check_position(index, size)
    path = []
    start, end = 0, size
    while end - start > 1:
        middle = start + _split(end - start)
        if index < middle:
            path.append((middle, end))
            end = middle
        else:
            path.append((start, middle))
            start = middle
    return path[::-1]


def consistency_ranges(old_size: int, size: int) -> list[Range]:
    """The leaves under each node of PROOF(old_size, D[size]), unrolled from
    SUBPROOF."""
    _check_old_size(old_size, size)
    if old_size in (0, size):
        return []
    proof = []
    start, end, old_end = 0, size, old_size
    old_tree_is_a_node = True
    while old_end != end:
        middle = start + _split(end - start)
        if old_end <= middle:
            proof.append((middle, end))
            end = middle
        else:
            proof.append((start, middle))
            start = middle
            old_tree_is_a_node = False
    if not old_tree_is_a_node:
        proof.append((start, end))
    return proof[::-1]


Node = tuple[int, int]  # (level, index): leaves [index·2^level, (index+1)·2^level)


def nodes_of(start: int, end: int) -> list[Node]:
    """The complete subtrees whose roots make the root of the leaves
    [start, end), left to right, for a range that starts on a multiple of a
    power of two at least its length (every range of the RFC's tree does)."""
    found = []
    while start < end:
        level = (end - start).bit_length() - 1
        found.append((level, start >> level))
        start += 1 << level
    return found


def fold(roots: Sequence[bytes]) -> bytes:
    """The root over complete subtrees' roots given left to right: RFC 6962
    splits off the largest one on the left, then the rest the same way."""
    node = roots[-1]
    for left in reversed(roots[:-1]):
        node = node_hash(left, node)
    return node


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2: does ``leaf`` sit at ``index`` of the log ``root``?"""
    if not 0 <= index < size:
        return False
    position, last = index, size - 1
    computed = leaf_hash(leaf)
    for sibling in proof:
        if last == 0:
            return False
        if position & 1 or position == last:
            computed = node_hash(sibling, computed)
            position, last = _climb_right_edge(position, last)
        else:
            computed = node_hash(computed, sibling)
        position, last = position >> 1, last >> 1
    return last == 0 and computed == root


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> bool:
    """RFC 9162 section 2.1.4.2: does the log ``new_root`` extend ``old_root``?"""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    if old_size & (old_size - 1) == 0:
        proof = [old_root, *proof]
    position, last = old_size - 1, new_size - 1
    while position & 1:
        position, last = position >> 1, last >> 1
    old_computed = new_computed = proof[0]
    for node in proof[1:]:
        if last == 0:
            return False
        if position & 1 or position == last:
            old_computed = node_hash(node, old_computed)
            new_computed = node_hash(node, new_computed)
            position, last = _climb_right_edge(position, last)
        else:
            new_computed = node_hash(new_computed, node)
        position, last = position >> 1, last >> 1
    return last == 0 and old_computed == old_root and new_computed == new_root


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (which is at least 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def _climb_right_edge(position: int, last: int) -> tuple[int, int]:
    # On the right edge of a ragged tree a node has no sibling on some levels,
    # so it is lifted unchanged until it becomes a right child again.
    while position and not position & 1:
        position, last = position >> 1, last >> 1
    return position, last


def _check_position(index: int, size: int) -> None:
    if index < 0:
        raise ValueError(f"position {index} is negative")
    if index >= size:
        raise ValueError(f"position {index} is past the end of a log of {size}")


def _check_old_size(old_size: int, size: int) -> None:
    if old_size < 0:
        raise ValueError(f"old size {old_size} is negative")
    if old_size > size:
        raise ValueError(f"old size {old_size} is past the end of a log of {size}")


class RootBuilder:
    """The root of a log read once, front to back, in O(log n) memory: it keeps
    the complete subtrees of the binary decomposition of the size so far, and
    names each node it completes, so a caller can store the tree's levels."""

    def __init__(self, size: int = 0, subtrees: Sequence[bytes] = ()) -> None:
        """Resumes at ``size`` from the roots of ``nodes_of(0, size)``."""
        self.size = size
        self._subtrees = [
            (level, node)
            for (level, _), node in zip(nodes_of(0, size), subtrees, strict=True)
        ]

    def add(self, leaf: bytes) -> list[tuple[Node, bytes]]:
        """The nodes the leaf completes, itself first (as ``leaf_hash``)."""
        node, level, index = leaf_hash(leaf), 0, self.size
        made = [((0, index), node)]
        while self._subtrees and self._subtrees[-1][0] == level:
            node = node_hash(self._subtrees.pop()[1], node)
            level, index = level + 1, index >> 1
            made.append(((level, index), node))
        self._subtrees.append((level, node))
        self.size += 1
        return made

    def root(self) -> bytes:
        if not self._subtrees:
            return EMPTY_ROOT
        return fold([node for _, node in self._subtrees])
