"""Phone numbers, read with phonenumbers and stored in E.164."""

from __future__ import annotations

from functools import cache

import phonenumbers
from phonenumbers import NumberParseException

# Why phonenumbers could not read it, in the service's own words (its own are a library's:
# "The string supplied did not seem to be a phone number").
_UNREADABLE = {
    NumberParseException.INVALID_COUNTRY_CODE: (
        "Not a valid phone number (check the country code after the +)."
    ),
    NumberParseException.TOO_SHORT_AFTER_IDD: (
        "Not a valid phone number (too few digits after the country code)."
    ),
    NumberParseException.TOO_SHORT_NSN: "Not a valid phone number (too few digits).",
    NumberParseException.TOO_LONG: "Not a valid phone number (too many digits).",
}
NOT_A_NUMBER = "Not a phone number (type its digits, with the country code if it is abroad)."


def to_e164(raw: str, region: str) -> str:
    """The number in E.164 (+15551234567); ValueError with a readable message if it is not one."""
    text = (raw or "").strip()
    if not text:
        raise ValueError("A phone number is required.")
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as error:
        raise ValueError(_UNREADABLE.get(error.error_type, NOT_A_NUMBER)) from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError("Not a valid phone number (check the digits and the country code).")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def checked_region(code: str) -> str:
    """An ISO 3166 alpha-2 region phonenumbers reads numbers for (US, HK, CN, TW), upper
    case; ValueError with a readable message otherwise."""
    region = (code or "").strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(
            f"Not a phone region: {code[:10]!r} (a two-letter country code such as US or HK)."
        )
    return region


@cache
def example_number(region: str) -> str:
    """A mobile number of the region as it is typed there ("9123 4567" in HK), for a
    phone field's placeholder; '' if phonenumbers has none."""
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def masked(e164: str) -> str:
    """The number with all but the last two digits hidden, for logs and pages."""
    return "*" * max(len(e164) - 2, 0) + e164[-2:]


def spoken_number(e164: str) -> str:
    """The number as a voice should read it: digit by digit, paused between the groups of
    its national form ("2 0 2, 5 5 5, 0 1 8 8")."""
    try:
        national = phonenumbers.format_number(
            phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.NATIONAL
        )
    except phonenumbers.NumberParseException:
        national = e164
    groups = [
        "".join(c for c in part if c.isdigit()) for part in national.replace("-", " ").split()
    ]
    return ", ".join(" ".join(group) for group in groups if group)
