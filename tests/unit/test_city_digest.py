"""The city digest: a signed Merkle root over the district digests, and the
audit path that proves one district's digest under it."""

import json
from dataclasses import asdict, replace
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infra.city_digest import (
    CityDigest,
    CityDigestError,
    DistrictHead,
    DistrictProof,
    check_city_signature,
    check_root,
    city_root,
    make_city_digest,
)
from infra.digests import Digest, KeySet, check_signature, key_id

NOW = datetime(2026, 9, 30, 12, tzinfo=UTC)
KEY = Ed25519PrivateKey.generate()
KEYS = KeySet.of(KEY.public_key(), datetime(2026, 9, 1, tzinfo=UTC))
NAMES = ["Yungang", "Pingcheng", "Xinrong", "Hunyuan", "Tianzhen"]


def district_digest(position: int, key: Ed25519PrivateKey = KEY) -> Digest:
    unsigned = Digest(
        position=position,
        size=position,
        chain_head=f"{position:064x}",
        merkle_root=f"{position + 1:064x}",
        time=NOW.isoformat(),
        key_id=key_id(key.public_key()),
    )
    return replace(unsigned, signature=key.sign(unsigned.signed_bytes()).hex())


def city_of(count: int) -> CityDigest:
    digests = {name: district_digest(10 * (i + 1)) for i, name in enumerate(NAMES)}
    chosen = dict(list(digests.items())[:count])
    return make_city_digest("Datong", chosen, KEY, NOW)


def resigned(city: CityDigest) -> CityDigest:
    """What a holder of our key could sign: the forged list with a fresh
    signature (its root left as it was)."""
    return replace(city, signature=KEY.sign(city.signed_bytes()).hex())


def test_a_city_digest_lists_its_districts_by_name_and_signs_their_root():
    city = city_of(5)
    check_city_signature(city, KEYS)
    check_root(city)
    assert city.names() == sorted(NAMES)
    assert city.root == city_root(city.districts)
    for head in city.districts:
        check_signature(head.digest, KEYS)


def test_a_city_digest_reads_back_from_its_json_unchanged():
    city = city_of(3)
    again = CityDigest.from_json(city.to_json())
    assert again == city
    check_city_signature(again, KEYS)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_every_districts_audit_path_leads_to_the_signed_root(count):
    city = city_of(count)
    proved = 0
    for name in city.names():
        proof = DistrictProof.from_json(city.proof_of(name).to_json())
        assert proof.holds(city.root)
        proved += 1
    assert proved == count


def test_a_swapped_district_digest_breaks_the_signature_and_the_root():
    city = city_of(3)
    [first, *rest] = city.districts
    swapped = replace(
        city, districts=(replace(first, digest=district_digest(99)), *rest)
    )
    with pytest.raises(CityDigestError, match="signature does not verify"):
        check_city_signature(swapped, KEYS)
    with pytest.raises(CityDigestError, match="root is not the root"):
        check_root(resigned(swapped))


def test_an_altered_root_or_signature_is_refused():
    city = city_of(3)
    with pytest.raises(CityDigestError, match="signature does not verify"):
        check_city_signature(replace(city, root="00" * 32), KEYS)
    flipped = ("0" if city.signature[0] != "0" else "1") + city.signature[1:]
    with pytest.raises(CityDigestError, match="signature does not verify"):
        check_city_signature(replace(city, signature=flipped), KEYS)


def test_a_city_digest_signed_by_a_key_outside_the_set_is_refused():
    other = Ed25519PrivateKey.generate()
    city = make_city_digest("Datong", {"Pingcheng": district_digest(5)}, other, NOW)
    with pytest.raises(CityDigestError, match="not in the key set"):
        check_city_signature(city, KEYS)


def test_a_district_listed_twice_or_out_of_order_is_refused():
    city = city_of(3)
    a, b, c = city.districts
    for listing in [(b, a, c), (a, a, c)]:
        forged = replace(city, districts=listing)
        forged = replace(forged, root=city_root(listing))
        with pytest.raises(CityDigestError, match="once each, ordered by name"):
            check_root(forged)


def test_an_audit_path_proves_nothing_for_another_digest_name_or_root():
    city = city_of(4)
    proof = city.proof_of("Pingcheng")
    other = city_of(5)
    assert proof.holds(city.root)
    assert not replace(proof, digest=district_digest(77)).holds(city.root)
    assert not replace(proof, district="Yungang").holds(city.root)
    assert not replace(proof, index=proof.index + 1).holds(city.root)
    assert not proof.holds(other.root)
    bent = (("ff" + proof.path[0][2:]), *proof.path[1:])
    assert not replace(proof, path=bent).holds(city.root)


def test_the_leaf_holds_the_districts_name_with_its_digest():
    digest = district_digest(10)
    assert (
        DistrictHead("Pingcheng", digest).leaf()
        != DistrictHead("Yungang", digest).leaf()
    )


def test_a_district_not_in_the_city_digest_has_no_audit_path():
    with pytest.raises(CityDigestError, match="Datong-South is not in the city"):
        city_of(2).proof_of("Datong-South")


def test_no_city_digest_over_no_district():
    with pytest.raises(CityDigestError, match="no district"):
        make_city_digest("Datong", {}, KEY, NOW)


def test_a_file_that_is_not_a_city_digest_is_refused_plainly():
    city = asdict(city_of(2))
    del city["root"]
    with pytest.raises(CityDigestError, match="not a city digest"):
        CityDigest.from_json(json.dumps(city))
    with pytest.raises(CityDigestError, match="not a city digest"):
        CityDigest.from_json("{")
