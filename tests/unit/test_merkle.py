"""The log's Merkle tree agrees with RFC 6962 and its proofs cannot be bent.

The reference functions below transcribe the RFC's recursive definitions
directly, so the module's iterative versions are checked against an
independent reading of the text as well as against the published vectors.
"""

import hashlib

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.merkle import (
    EMPTY_ROOT,
    RootBuilder,
    consistency_proof,
    consistency_ranges,
    fold,
    inclusion_proof,
    inclusion_ranges,
    nodes_of,
    root,
    verify_consistency,
    verify_inclusion,
)

# Certificate Transparency's reference inputs and tree heads for sizes 0..8.
CT_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]

event_hashes = st.lists(
    st.binary(min_size=32, max_size=32), min_size=1, max_size=70, unique=True
)


def largest_power_of_two_below(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def reference_root(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = largest_power_of_two_below(len(leaves))
    both = reference_root(leaves[:k]) + reference_root(leaves[k:])
    return hashlib.sha256(b"\x01" + both).digest()


def reference_path(m, leaves):
    if len(leaves) == 1:
        return []
    k = largest_power_of_two_below(len(leaves))
    if m < k:
        return [*reference_path(m, leaves[:k]), reference_root(leaves[k:])]
    return [*reference_path(m - k, leaves[k:]), reference_root(leaves[:k])]


def reference_subproof(m, leaves, complete):
    if m == len(leaves):
        return [] if complete else [reference_root(leaves)]
    k = largest_power_of_two_below(len(leaves))
    if m <= k:
        return [
            *reference_subproof(m, leaves[:k], complete),
            reference_root(leaves[k:]),
        ]
    return [*reference_subproof(m - k, leaves[k:], False), reference_root(leaves[:k])]


def distinct_event_hashes(n):
    return [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n)]


def with_one_byte_flipped(value, position):
    return value[:position] + bytes([value[position] ^ 0xFF]) + value[position + 1 :]


def every_single_byte_flip(value):
    return [with_one_byte_flipped(value, i) for i in range(len(value))]


def test_the_empty_log_has_the_hash_of_nothing_as_its_root():
    assert root([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("size", range(len(CT_ROOTS)))
def test_roots_match_the_certificate_transparency_vectors(size):
    assert root(CT_LEAVES[:size]).hex() == CT_ROOTS[size]


@pytest.mark.parametrize(("index", "size", "expected"), CT_INCLUSION)
def test_inclusion_proofs_match_the_certificate_transparency_vectors(
    index, size, expected
):
    proof = inclusion_proof(CT_LEAVES[:size], index)

    assert [node.hex() for node in proof] == expected
    tree_head = bytes.fromhex(CT_ROOTS[size])
    assert verify_inclusion(CT_LEAVES[index], index, size, proof, tree_head)


@pytest.mark.parametrize(("old_size", "new_size", "expected"), CT_CONSISTENCY)
def test_consistency_proofs_match_the_certificate_transparency_vectors(
    old_size, new_size, expected
):
    proof = consistency_proof(CT_LEAVES[:new_size], old_size)

    assert [node.hex() for node in proof] == expected
    old_root = bytes.fromhex(CT_ROOTS[old_size])
    new_root = bytes.fromhex(CT_ROOTS[new_size])
    assert verify_consistency(old_size, new_size, old_root, new_root, proof)


def test_roots_follow_the_rfc_definition_for_every_size_up_to_70():
    leaves = distinct_event_hashes(70)
    for size in range(71):
        assert root(leaves[:size]) == reference_root(leaves[:size]), size


def test_proofs_follow_the_rfc_definition_for_every_position_up_to_33():
    leaves = distinct_event_hashes(33)
    for size in range(1, 34):
        tree = leaves[:size]
        for index in range(size):
            assert inclusion_proof(tree, index) == reference_path(index, tree)
        for old_size in range(1, size):
            expected = reference_subproof(old_size, tree, True)
            assert consistency_proof(tree, old_size) == expected


def test_a_root_over_100000_events_matches_the_rfc_definition():
    leaves = distinct_event_hashes(100_000)

    assert root(leaves) == reference_root(leaves)


@settings(deadline=None)
@given(event_hashes)
def test_every_event_proves_its_inclusion(leaves):
    tree_head = root(leaves)
    for index, leaf in enumerate(leaves):
        proof = inclusion_proof(leaves, index)
        assert verify_inclusion(leaf, index, len(leaves), proof, tree_head)


@settings(deadline=None)
@given(event_hashes)
def test_every_earlier_log_is_proven_consistent_with_the_later_one(leaves):
    new_root = root(leaves)
    for old_size in range(len(leaves) + 1):
        proof = consistency_proof(leaves, old_size)
        old_root = root(leaves[:old_size])
        assert verify_consistency(old_size, len(leaves), old_root, new_root, proof)


@given(event_hashes, st.data())
def test_changing_any_byte_of_an_inclusion_proof_makes_it_fail(leaves, data):
    index = data.draw(st.integers(0, len(leaves) - 1))
    size, leaf, tree_head = len(leaves), leaves[index], root(leaves)
    proof = inclusion_proof(leaves, index)

    for forged_leaf in every_single_byte_flip(leaf):
        assert not verify_inclusion(forged_leaf, index, size, proof, tree_head)
    for forged_root in every_single_byte_flip(tree_head):
        assert not verify_inclusion(leaf, index, size, proof, forged_root)
    for n, node in enumerate(proof):
        for forged_node in every_single_byte_flip(node):
            forged = [*proof[:n], forged_node, *proof[n + 1 :]]
            assert not verify_inclusion(leaf, index, size, forged, tree_head)


@given(event_hashes, st.data())
def test_changing_any_byte_of_a_consistency_proof_makes_it_fail(leaves, data):
    old_size = data.draw(st.integers(1, len(leaves)))
    new_size, old_root, new_root = len(leaves), root(leaves[:old_size]), root(leaves)
    proof = consistency_proof(leaves, old_size)

    for forged in every_single_byte_flip(old_root):
        assert not verify_consistency(old_size, new_size, forged, new_root, proof)
    for forged in every_single_byte_flip(new_root):
        assert not verify_consistency(old_size, new_size, old_root, forged, proof)
    for n, node in enumerate(proof):
        for forged_node in every_single_byte_flip(node):
            forged = [*proof[:n], forged_node, *proof[n + 1 :]]
            assert not verify_consistency(
                old_size, new_size, old_root, new_root, forged
            )


@given(event_hashes, st.data())
def test_an_inclusion_proof_fails_for_any_other_position(leaves, data):
    index = data.draw(st.integers(0, len(leaves) - 1))
    other = data.draw(st.integers(-2, len(leaves) + 2))
    assume(other != index)
    proof = inclusion_proof(leaves, index)

    assert not verify_inclusion(leaves[index], other, len(leaves), proof, root(leaves))


@given(event_hashes, st.data())
def test_an_inclusion_proof_fails_for_a_size_that_reshapes_the_path(leaves, data):
    # A size only shapes the path, so a wrong size whose path has the same shape
    # still verifies; the signed tree head is what binds the size to the root.
    index = data.draw(st.integers(0, len(leaves) - 1))
    claimed_size = data.draw(st.integers(-1, 2 * len(leaves) + 1))
    proof = inclusion_proof(leaves, index)
    assume(
        claimed_size <= index
        or len(reference_path(index, distinct_event_hashes(claimed_size))) != len(proof)
    )

    assert not verify_inclusion(leaves[index], index, claimed_size, proof, root(leaves))


def test_claiming_one_more_event_than_the_log_holds_fails_for_the_last_event():
    for size in range(1, 130):
        leaves = distinct_event_hashes(size)
        proof = inclusion_proof(leaves, size - 1)
        assert not verify_inclusion(leaves[-1], size - 1, size + 1, proof, root(leaves))


@given(event_hashes, st.data())
def test_a_consistency_proof_fails_for_any_other_old_size(leaves, data):
    old_size = data.draw(st.integers(1, len(leaves)))
    claimed = data.draw(st.integers(-1, len(leaves) + 2))
    assume(claimed != old_size)
    old_root, new_root = root(leaves[:old_size]), root(leaves)
    proof = consistency_proof(leaves, old_size)

    assert not verify_consistency(claimed, len(leaves), old_root, new_root, proof)


@given(event_hashes, st.data())
def test_a_consistency_proof_fails_for_a_new_size_below_the_old_one(leaves, data):
    old_size = data.draw(st.integers(1, len(leaves)))
    claimed = data.draw(st.integers(-1, old_size - 1))
    old_root, new_root = root(leaves[:old_size]), root(leaves)
    proof = consistency_proof(leaves, old_size)

    assert not verify_consistency(old_size, claimed, old_root, new_root, proof)


@given(event_hashes)
def test_a_proof_with_a_node_dropped_or_added_fails(leaves):
    size, tree_head = len(leaves), root(leaves)
    inclusion = inclusion_proof(leaves, size - 1)
    consistency = consistency_proof(leaves, 1)
    old_root = root(leaves[:1])

    for proof in (inclusion[:-1], [*inclusion, tree_head]):
        if proof != inclusion:
            assert not verify_inclusion(leaves[-1], size - 1, size, proof, tree_head)
    for proof in (consistency[:-1], [*consistency, tree_head]):
        if proof != consistency:
            assert not verify_consistency(1, size, old_root, tree_head, proof)


def test_every_log_extends_the_empty_log_and_only_the_empty_log():
    leaves = distinct_event_hashes(5)

    assert consistency_proof(leaves, 0) == []
    assert verify_consistency(0, 5, EMPTY_ROOT, root(leaves), [])
    assert not verify_consistency(0, 5, root(leaves[:1]), root(leaves), [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, root(leaves), [EMPTY_ROOT])


def test_a_log_is_consistent_with_itself_by_an_empty_proof_only():
    leaves = distinct_event_hashes(6)

    assert consistency_proof(leaves, 6) == []
    assert verify_consistency(6, 6, root(leaves), root(leaves), [])
    assert not verify_consistency(6, 6, root(leaves), root(leaves[:5]), [])
    assert not verify_consistency(6, 6, root(leaves), root(leaves), [root(leaves)])


def test_an_inclusion_proof_past_the_end_of_the_log_is_refused():
    with pytest.raises(ValueError, match="position 12 is past the end of a log of 10"):
        inclusion_proof(distinct_event_hashes(10), 12)


@pytest.mark.parametrize(("size", "index"), [(0, 0), (10, 10), (10, -1)])
def test_an_inclusion_proof_outside_the_log_is_refused(size, index):
    with pytest.raises(ValueError, match=f"position {index} is"):
        inclusion_proof(distinct_event_hashes(size), index)


@pytest.mark.parametrize("old_size", [-1, 11])
def test_a_consistency_proof_from_a_size_outside_the_log_is_refused(old_size):
    with pytest.raises(ValueError, match=f"old size {old_size} is"):
        consistency_proof(distinct_event_hashes(10), old_size)


@given(st.lists(st.binary(min_size=32, max_size=32), max_size=70))
def test_a_root_built_leaf_by_leaf_equals_the_tree_root(leaves):
    builder = RootBuilder()
    for leaf in leaves:
        builder.add(leaf)
    assert builder.size == len(leaves)
    assert builder.root() == root(leaves)


def stored_levels(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every node a builder completes, as a store of the tree's levels keeps them."""
    builder, store = RootBuilder(), {}
    for leaf in leaves:
        store.update(builder.add(leaf))
    return store


def root_from(store: dict, start: int, end: int) -> bytes:
    return fold([store[node] for node in nodes_of(start, end)])


def test_every_proof_node_is_made_from_stored_complete_subtrees():
    """A proof read from the stored levels equals one computed from the
    leaves, for every position and size up to 40: each range of a proof is
    covered by complete subtrees already stored."""
    leaves = distinct_event_hashes(40)
    store = stored_levels(leaves)
    checked = 0
    for size in range(1, 41):
        tree = leaves[:size]
        for index in range(size):
            path = [root_from(store, s, e) for s, e in inclusion_ranges(index, size)]
            assert path == inclusion_proof(tree, index)
            checked += 1
        for old_size in range(size + 1):
            ranges = consistency_ranges(old_size, size)
            proof = [root_from(store, s, e) for s, e in ranges]
            assert proof == consistency_proof(tree, old_size)
            checked += 1
        assert root_from(store, 0, size) == root(tree)
    assert checked == 820 + 860


@given(st.lists(st.binary(min_size=32, max_size=32), max_size=70), st.data())
def test_a_builder_resumed_from_stored_levels_goes_on_as_one_that_never_stopped(
    leaves, data
):
    stop = data.draw(st.integers(0, len(leaves)))
    store = stored_levels(leaves[:stop])
    builder = RootBuilder(stop, [store[node] for node in nodes_of(0, stop)])
    for leaf in leaves[stop:]:
        store.update(builder.add(leaf))
    assert builder.root() == root(leaves)
    assert store == stored_levels(leaves)
