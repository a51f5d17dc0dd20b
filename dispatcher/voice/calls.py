"""Placing a voice page's call through the Calls API (the twilio client the SMS transport
built: dispatcher/voice/client.py), with its TwiML at a URL under PUBLIC_BASE_URL, where
the signed webhooks of callbacks/voice_pages.py answer."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import requests
from twilio.base.exceptions import TwilioException

from dispatcher.sms import office_number
from dispatcher.voice.client import twilio_client

log = logging.getLogger(__name__)


class CallNotPlaced(Exception):
    """Twilio refused or did not answer, or voice is not set up: the SMS goes instead."""


def page_call_urls(page_id: int, config: Mapping) -> tuple[str, str]:
    """The call's TwiML URL and its status callback, under PUBLIC_BASE_URL."""
    base = (config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base:
        raise CallNotPlaced("PUBLIC_BASE_URL is not set: Twilio could not fetch the call")
    return f"{base}/twilio/voice/page/{page_id}", f"{base}/twilio/voice/page/{page_id}/status"


def place_page_call(claim, config: Mapping) -> str:
    """Place the call the claim is for; its CallSid."""
    client = twilio_client()
    if client is None:
        raise CallNotPlaced("Twilio is not set up")
    url, status_callback = page_call_urls(claim.page_id, config)
    try:
        call = client.calls.create(
            to=claim.to,
            from_=claim.from_number or office_number(),
            url=url,
            method="POST",
            status_callback=status_callback,
            status_callback_event=["completed"],
            status_callback_method="POST",
        )
    except TwilioException as error:
        log.warning("voice page %s not placed: %s", claim.page_id, type(error).__name__)
        raise CallNotPlaced(f"Twilio refused the call ({getattr(error, 'code', '')})") from error
    except requests.RequestException as error:
        log.warning("voice page %s not placed: %s", claim.page_id, type(error).__name__)
        raise CallNotPlaced(f"Twilio did not answer ({type(error).__name__})") from error
    return call.sid
