"""The office's language: its screens and its SMS, through Flask-Babel.

Which language a piece of text is in is the office's it is for, never guessed:
- a screen: the signed-in user's office (``office_of_request``), else English;
- a webhook's answer: the office whose number was texted (``in_language`` around it);
- a job, or anything that writes an SMS for later: the office of the row (``in_language``
  around the writing; the SMS is kept as written).
The time zone of dates shown is the office's too.

Catalogues: dispatcher/translations/<language>/LC_MESSAGES/messages.po (babel.cfg says
what is extracted; README "Languages" says how to add a string). Only the .po files are
kept in git.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator

from flask import Flask, g, has_request_context, request
from flask_babel import Babel, force_locale, refresh
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# The office's language (Office.language) and its name, in itself, for the forms.
LANGUAGES = {"en": "English", "zh_Hant": "繁體中文", "zh_Hans": "简体中文"}
DEFAULT_LANGUAGE = "en"
# The voice the office's calls speak with (TwiML <Say language>): Hong Kong's Traditional
# Chinese offices hear Cantonese, the Simplified Chinese ones Mandarin.
VOICE_LANGUAGES = {"en": "en-US", "zh_Hant": "zh-HK", "zh_Hans": "zh-CN"}
CATALOGUES = os.path.join(os.path.dirname(__file__), "translations")


def N_(text: str) -> str:  # noqa: N802  (gettext's name for "translate later")
    """Marks a constant for extraction; it is translated where it is used (gettext)."""
    return text


def checked_language(code: str | None) -> str:
    """One of LANGUAGES; ValueError naming them otherwise."""
    code = (code or "").strip()
    if code not in LANGUAGES:
        known = ", ".join(f"{key} ({name})" for key, name in LANGUAGES.items())
        raise ValueError(f"Not a language of the service: {code[:20]!r}. Choose one of: {known}.")
    return code


@contextlib.contextmanager
def in_language(language: str | None) -> Iterator[None]:
    """Text made inside is in ``language`` (an office's; unknown or None: English)."""
    with force_locale(language if language in LANGUAGES else DEFAULT_LANGUAGE):
        yield


def voice_language() -> str:
    """The <Say> language of the language in force ("en-US", "zh-HK", "zh-CN")."""
    from flask_babel import get_locale

    locale = get_locale()
    return VOICE_LANGUAGES.get(str(locale) if locale else DEFAULT_LANGUAGE, "en-US")


def spoken(response) -> str:
    """A TwiML response (twilio's VoiceResponse) as text, each <Say> in it given the voice
    of the language in force, unless it names one: the words and the voice agree."""
    language = voice_language()

    def give(verb) -> None:
        for inner in getattr(verb, "verbs", ()):
            if getattr(inner, "name", "") == "Say":
                inner.attrs.setdefault("language", language)
            give(inner)

    give(response)
    return str(response)


def init_babel(app: Flask) -> None:
    """Flask-Babel with the office's language and time zone; the catalogues compiled."""
    # The .mo files are compiled here, at every start, into the instance folder, from the
    # .po files git keeps: a fresh clone needs no build step, and production writes only
    # where it already must be able to (the package directory may be read-only there).
    # Compiling two small catalogues takes milliseconds; a .mo newer than its .po is kept.
    compiled = os.path.join(app.instance_path, "translations")
    try:
        compile_catalogues(CATALOGUES, compiled)
    except OSError as error:  # an instance folder it may not write: a private one
        compiled = tempfile.mkdtemp(prefix="dispatch-translations-")
        log.warning("catalogues compiled into %s (%s)", compiled, error)
        compile_catalogues(CATALOGUES, compiled)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = compiled
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    Babel(app, locale_selector=_office_language, timezone_selector=_office_timezone)
    # Tests (and anything else) may serve several requests in one app context, which
    # shares flask.g: each request chooses its own language.
    app.before_request(refresh)
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES


def compile_catalogues(source: str, target: str) -> list[str]:
    """Each source/<language>/LC_MESSAGES/*.po compiled into the same place under
    ``target`` when its .mo is missing or older; the languages compiled."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    done = []
    for language in sorted(os.listdir(source)) if os.path.isdir(source) else []:
        folder = os.path.join(source, language, "LC_MESSAGES")
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            if not name.endswith(".po"):
                continue
            po = os.path.join(folder, name)
            out_dir = os.path.join(target, language, "LC_MESSAGES")
            mo = os.path.join(out_dir, name[:-3] + ".mo")
            if os.path.exists(mo) and os.path.getmtime(mo) >= os.path.getmtime(po):
                continue
            # The instance folder is its owner's only (README): so is what goes in it.
            os.makedirs(target, mode=0o700, exist_ok=True)
            os.makedirs(out_dir, exist_ok=True)
            with open(po, "rb") as file:
                catalogue = read_po(file, locale=language)
            # Written aside, then renamed: another process starting at once reads either
            # the old file or the whole new one.
            handle, temporary = tempfile.mkstemp(dir=out_dir, suffix=".mo")
            try:
                with os.fdopen(handle, "wb") as file:
                    write_mo(file, catalogue)
                os.replace(temporary, mo)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
            done.append(language)
    return done


def _request_office():
    """The office the request serves, when it can be told without failing (no office
    set up, several and no sign-in, a database that does not answer: None, English)."""
    if not has_request_context():
        return g.get("office")
    if request.blueprint == "callbacks":
        # A webhook's office is its To number's, resolved inside its database work.
        return g.get("office")
    from sqlalchemy.exc import SQLAlchemyError

    from dispatcher.office.current import office_of_request

    try:
        return office_of_request()
    except (HTTPException, SQLAlchemyError):
        return None


def _office_language() -> str:
    office = _request_office()
    language = getattr(office, "language", None)
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _office_timezone() -> str | None:
    office = _request_office()
    return getattr(office, "timezone", None)


def local_words(moment, timezone: str, *, with_day: bool = True) -> str:
    """A stored UTC time in the office's zone and in the language in force: English as
    the office has always read it ("Mon 30 Nov 10:52", "10:52"), another language in its
    own order ("11月30日週一 10:52")."""
    from dispatcher.clock import local_time

    return formatted(local_time(moment, timezone), "%a %d %b %H:%M" if with_day else "%H:%M")


def day_words(day) -> str:
    """A day in the language in force: "Sat 12 Dec" in English, "12月12日週六" in Chinese."""
    return formatted(day, "%a %d %b")


# The strftime formats the screens use, and the CLDR skeletons that say the same in
# another language (its own order and words: "11月30日週一 10:52").
_SKELETONS = {
    "%H:%M": ("Hm",),
    "%H:%M:%S": ("Hms",),
    "%a %H:%M": ("E", "Hm"),
    "%a %d %b": ("MMMEd",),
    "%a %d %b %H:%M": ("MMMEd", "Hm"),
    "%a %d %b %Y": ("yMMMEd",),
    "%a %d %b %Y %H:%M": ("yMMMEd", "Hm"),
    "%d %b": ("MMMd",),
    "%d %b %Y": ("yMMMd",),
    "%d %b %Y %H:%M": ("yMMMd", "Hm"),
}


def formatted(local, fmt: str) -> str:
    """An office-time datetime (or date) shown in the language in force: ``fmt`` as it is
    in English, the same parts in the language's own way otherwise."""
    from babel.dates import format_skeleton
    from flask_babel import get_locale

    locale = get_locale()
    skeletons = _SKELETONS.get(fmt)
    if locale is None or locale.language == "en" or skeletons is None:
        return local.strftime(fmt)
    tzinfo = getattr(local, "tzinfo", None)
    return " ".join(
        format_skeleton(skeleton, local, tzinfo=tzinfo, locale=locale) for skeleton in skeletons
    )


def html_lang() -> str:
    """The page's lang attribute: en, zh-Hant, zh-Hans."""
    from flask_babel import get_locale

    locale = get_locale()
    if locale is None:
        return DEFAULT_LANGUAGE
    return "-".join(part for part in (locale.language, locale.script) if part)


_FULL_STOP = re.compile(r"(?<=[。！？）」”])\s+")


def sentences(*parts: str) -> str:
    """Sentences one after another: a space between them in English, none after a
    full-width stop (Chinese writes none)."""
    return _FULL_STOP.sub("", " ".join(part for part in parts if part))
