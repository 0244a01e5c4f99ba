"""A golden record's phones split into mobile and other for the CRMs' phone fields."""

from __future__ import annotations

import phonenumbers
from polars.testing import assert_frame_equal

from cleaners.phone_metadata import FAST_REGIONS, with_phone_type
from reports.exports import load_profile, render_object, with_phone_types
from tests.reports.exports.test_export_render import golden

#: DE, AT and CH mobiles and landlines, a British mobile (a region the metadata does not type)
#: and a DE service number, in trust order.
PHONES = [
    "+4930123456",
    "+4917612345678",
    "+43122574702",
    "+436641234567",
    "+41446681800",
    "+41791234567",
    "+447911123456",
    "+498001234567",
]


def _is_typed_mobile(number: str) -> bool:
    """What phonenumbers says, for the regions the cleaners' metadata types."""
    parsed = phonenumbers.parse(number)
    region = phonenumbers.region_code_for_number(parsed)
    mobile = phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
    return region in FAST_REGIONS and mobile


def test_mobiles_of_de_at_ch_apart_from_every_other_number_in_trust_order() -> None:
    frame = golden({"phones": PHONES}, {"phones": list(reversed(PHONES))}, {"phones": []})
    split = with_phone_types(frame, with_phone_type).sort("golden_id").collect()
    mobiles = [number for number in PHONES if _is_typed_mobile(number)]
    others = [number for number in PHONES if not _is_typed_mobile(number)]
    assert len(mobiles) == 3 and "+447911123456" in others  # the cases are what they say
    assert split["mobile_phones"].to_list() == [mobiles, mobiles[::-1], []]
    assert split["other_phones"].to_list() == [others, others[::-1], []]


def test_records_without_phones_get_empty_lists_not_nulls() -> None:
    frame = golden({"phones": None}, {"phones": [None, "+4917612345678"]})
    split = with_phone_types(frame, with_phone_type).sort("golden_id").collect()
    assert split["mobile_phones"].to_list() == [[], ["+4917612345678"]]
    assert split["other_phones"].to_list() == [[], []]


def test_without_phone_types_every_number_is_other() -> None:
    split = with_phone_types(golden({"phones": PHONES})).collect()
    assert split["mobile_phones"].to_list() == [[]]
    assert split["other_phones"].to_list() == [PHONES]


def test_split_lists_are_kept_as_they_are() -> None:
    typed = with_phone_types(golden({"phones": PHONES}), with_phone_type)
    assert_frame_equal(with_phone_types(typed).collect(), typed.collect())


def test_the_crm_mobile_field_gets_the_first_mobile() -> None:
    profile = load_profile("salesforce")
    frame = with_phone_types(golden({"phones": PHONES}), with_phone_type)
    row = render_object(frame, profile, profile.object_for("person")).collect().to_dicts()[0]
    assert row["Phone"] == PHONES[0]
    assert row["MobilePhone"] == next(number for number in PHONES if _is_typed_mobile(number))
