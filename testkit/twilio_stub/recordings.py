"""The Recordings API of the local Twilio stub: a test adds a call's recording (as
Twilio makes one when a <Dial record=...> ends), the app fetches its audio
(``GET .../Recordings/{sid}.mp3``, the account's basic auth) and deletes it
(``DELETE .../Recordings/{sid}.json``, 204; then 404). Part of the Twilio stub:
TwilioStub keeps one as ``stub.recordings``."""

from __future__ import annotations

import base64
import re
import threading
import uuid
from dataclasses import dataclass

from testkit.twilio_stub.api import API_VERSION, twilio_error

RECORDINGS_PATH = re.compile(
    r"^/2010-04-01/Accounts/(AC\w+)/Recordings/(RE[0-9a-f]{32})(\.json|\.mp3|\.wav)?$"
)


@dataclass
class StubRecording:
    sid: str
    call_sid: str
    audio: bytes
    deleted: bool = False


class StubRecordings:
    def __init__(self, account_sid: str, auth_token: str):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._lock = threading.Lock()
        self._recordings: dict[str, StubRecording] = {}
        self.deletes: list[str] = []  # the sids the app asked to delete, in order

    def add(self, call_sid: str) -> StubRecording:
        """A recording of this call, as Twilio keeps one."""
        sid = "RE" + uuid.uuid4().hex
        recording = StubRecording(sid, call_sid, b"ID3 stub audio " + sid.encode())
        with self._lock:
            self._recordings[sid] = recording
        return recording

    def url(self, base_url: str, sid: str) -> str:
        """The RecordingUrl Twilio posts in the recording status callback."""
        return f"{base_url}/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{sid}"

    def get(self, sid: str) -> StubRecording | None:
        with self._lock:
            return self._recordings.get(sid)

    def clear(self) -> None:
        with self._lock:
            self._recordings.clear()
            self.deletes.clear()

    def answer(
        self, method: str, path: str, authorization: str | None
    ) -> tuple[int, bytes | dict | None, str]:
        """(HTTP status, body, content type) for a Recordings request; None body: none."""
        match = RECORDINGS_PATH.match(path)
        account, sid, ext = match.group(1), match.group(2), match.group(3) or ".json"
        if not self._authorized(authorization) or account != self.account_sid:
            return (*twilio_error(20003), "application/json")
        with self._lock:
            recording = self._recordings.get(sid)
            if recording is None or recording.deleted:
                return (*twilio_error(20404), "application/json")
            if method == "DELETE":
                recording.deleted = True
                self.deletes.append(sid)
                return 204, None, ""
        if ext in (".mp3", ".wav"):
            return 200, recording.audio, "audio/mpeg"
        return (
            200,
            {"sid": sid, "call_sid": recording.call_sid, "status": "completed"},
            ("application/json"),
        )

    def _authorized(self, header: str | None) -> bool:
        try:
            scheme, encoded = (header or "").split(" ", 1)
            user, password = base64.b64decode(encoded).decode().split(":", 1)
        except ValueError:
            return False
        return scheme.lower() == "basic" and (user, password) == (
            self.account_sid,
            self.auth_token,
        )
