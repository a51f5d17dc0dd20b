"""Twilio's REST API as the stub speaks it: the test account's credentials, the paths it
serves, Twilio's error codes, and the JSON of an error, a created message and a page of
the message list.

Only shapes and constants, no state: testkit/twilio_stub/state.py decides which of these
to answer and when. Part of the Twilio stub; import it from testkit.twilio_stub.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlencode

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fedcba9876543210" * 2
API_VERSION = "2010-04-01"

# Twilio's own codes, their HTTP status and message (docs/errors/<code>).
ERRORS = {
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "An internal server error has occurred"),
    20503: (503, "Service is unavailable. Please try again"),
    21201: (400, "No 'To' number is specified"),
    21205: (400, "Url is not a valid URL"),
    21210: (400, "The source phone number provided is not yet verified for your account."),
    21211: (400, "The 'To' number is not a valid phone number."),
    21213: (400, "No 'From' number is specified"),
    21220: (400, "Call is not in-progress. Cannot redirect."),
    21408: (400, "Permission to send an SMS has not been enabled for the region"),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' phone number is required."),
    21604: (400, "A 'To' phone number is required."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21614: (400, "'To' number is not a valid mobile number"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit."),
}
DEFAULT_CODE = {400: 21211, 401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages(?:/(SM\w+))?\.json$")
CALLS_PATH = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls(?:/(CA\w+))?\.json$")
# A call that has ended: Twilio refuses to redirect it (21220).
ENDED_CALL = ("completed", "busy", "failed", "no-answer", "canceled")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def twilio_error(code: int, message: str | None = None, *, status: int | None = None):
    """Twilio's error answer for ``code``: (HTTP status, JSON)."""
    default_status, default_message = ERRORS.get(code, (500, "Error"))
    status = status or default_status
    return status, {
        "code": code,
        "message": message or default_message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def status_and_code(status: int | None, code: int | None) -> tuple[int, int]:
    """Fill in whichever of an HTTP status and a Twilio code a script left out."""
    if status is None and code is None:
        raise ValueError("give a status, a Twilio error code or both")
    code = code or DEFAULT_CODE.get(status, 20500)
    status = status or ERRORS.get(code, (400, ""))[0]
    return status, code


def is_list(path: str) -> bool:
    """Whether ``path`` is the message list (``.../Messages.json``), not one message."""
    match = MESSAGES_PATH.match(path)
    return match is not None and match.group(2) is None


def call_refusal_code(form: dict[str, str]) -> int | None:
    """The code Twilio refuses a call's create request with, or None."""
    for missing, code in (
        (not form.get("To"), 21201),
        (not form.get("From"), 21213),
        (not (form.get("Url") or form.get("Twiml") or form.get("ApplicationSid")), 21205),
        (not E164.match(form.get("To", "")), 21211),
    ):
        if missing:
            return code
    return None


def call_json(call: dict, account_sid: str) -> dict:
    """A call as Twilio answers it (create, update, fetch): ``call`` is the stub's record
    (sid, to, from, status, duration, started, ended)."""
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Calls/{call['sid']}.json"
    return {
        "account_sid": account_sid,
        "annotation": None,
        "answered_by": None,
        "api_version": API_VERSION,
        "caller_name": None,
        "date_created": call["created"],
        "date_updated": format_datetime(datetime.now(UTC)),
        "direction": call.get("direction", "outbound-api"),
        "duration": str(call["duration"]) if call.get("duration") is not None else None,
        "end_time": call.get("ended"),
        "forwarded_from": None,
        "from": call["from"],
        "from_formatted": call["from"],
        "group_sid": None,
        "parent_call_sid": call.get("parent"),
        "phone_number_sid": None,
        "price": None,
        "price_unit": "USD",
        "queue_time": "0",
        "sid": call["sid"],
        "start_time": call.get("started"),
        "status": call["status"],
        "subresource_uris": {},
        "to": call["to"],
        "to_formatted": call["to"],
        "trunk_sid": None,
        "uri": uri,
    }


def refusal_code(form: dict[str, str]) -> int | None:
    """The code Twilio refuses this create request with before sending anything, or None."""
    for missing, code in (
        (not form.get("To"), 21604),
        (not (form.get("From") or form.get("MessagingServiceSid")), 21603),
        (not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid")), 21602),
        (not E164.match(form.get("To", "")), 21211),
        (len(form.get("Body", "")) > 1600, 21617),
    ):
        if missing:
            return code
    return None


def message_json(form: dict[str, str], account_sid: str, sid: str) -> dict:
    """A created message as Twilio answers it (and later lists it)."""
    now = format_datetime(datetime.now(UTC))
    body = form.get("Body", "")
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json"
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": body,
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From"),
        "messaging_service_sid": form.get("MessagingServiceSid"),
        "num_media": "0",
        "num_segments": str(1 if len(body) <= 160 else math.ceil(len(body) / 153)),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued" if form.get("From") else "accepted",
        "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
        "to": form.get("To"),
        "uri": uri,
    }


def list_page(
    path: str, query: dict[str, str], everything: list[dict], key: str = "messages"
) -> tuple[int, dict]:
    """Page ``Page`` of ``PageSize`` from ``everything`` (already filtered, newest first),
    in Twilio's paged shape; a 400 when the paging parameters are not numbers."""
    try:
        size = min(1000, max(1, int(query.get("PageSize", 50))))
        number = max(0, int(query.get("Page", 0)))
    except ValueError:
        return twilio_error(20001, "PageSize and Page must be numbers", status=400)
    first = number * size
    chunk = everything[first : first + size]
    filters = {key: query[key] for key in ("To", "From") if key in query}

    def uri(n: int, **extra) -> str:
        return f"{path}?{urlencode({'PageSize': size, 'Page': n, **filters, **extra})}"

    more = first + size < len(everything)
    return 200, {
        key: chunk,
        "start": first,
        "end": first + max(len(chunk) - 1, 0),
        "page": number,
        "page_size": size,
        "uri": uri(number),
        "first_page_uri": uri(0),
        "previous_page_uri": uri(number - 1) if number else None,
        "next_page_uri": uri(number + 1, PageToken=f"PASM{number + 1}") if more else None,
    }
