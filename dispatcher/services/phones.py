"""Phone numbers, read with phonenumbers and stored in E.164."""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str, region: str) -> str:
    """The number in E.164 (+15551234567); ValueError with a readable message if it is not one."""
    text = (raw or "").strip()
    if not text:
        raise ValueError("A phone number is required.")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise ValueError(f"Not a phone number: {error._msg}") from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError("Not a valid phone number (check the digits and the country code).")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def masked(e164: str) -> str:
    """The number with all but the last two digits hidden, for logs and pages."""
    return "*" * max(len(e164) - 2, 0) + e164[-2:]
