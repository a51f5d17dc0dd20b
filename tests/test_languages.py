"""Offices in their own language (issue 18): each office's screens and SMS in English,
Traditional or Simplified Chinese (Office.language), through Flask-Babel's catalogues;
Chinese reply words (好, 收到, 不) understood and listed in HELP; a page stays one SMS in
every language; a screen is in the language of the signed-in user's office, request by
request, in one process."""

from __future__ import annotations

import json
import os
import re
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from sqlalchemy import delete, func, select

from callbacks.replies import OFFICE_WORDS
from dispatcher.extensions import db
from dispatcher.language import CATALOGUES, LANGUAGES, compile_catalogues, in_language
from dispatcher.leads.service import current_page, page_text
from dispatcher.models import (
    ManagerMessage,
    Notice,
    Office,
    OfficeHours,
    Page,
    PageState,
    Salesperson,
    User,
)
from dispatcher.office.setup import create_office
from routing.courtesy import sms_segments
from tests.app_setup import sign_in
from tests.factories import T0, missed, new_lead, open_round_the_clock, page_out
from tests.webhook_helpers import ALICE, call_params, post_signed, reply_text, sms_params

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CENTURY, HARBOUR = "+12025550100", "+12025550300"
PASSWORD = "harbour-password"
# The longest name an office may have (setup.create_office: 1 to 120 characters). The page
# does not carry it (C4: "client call, please call the office"), so it cannot lengthen it.
LONGEST_NAME = "香港九龍尖沙咀彌敦道" * 12


@pytest.fixture
def harbour(office):
    """Century (the demo, English) and Harbour (Hong Kong, Traditional Chinese), each with
    its number; Alice Chen works in both, and Harbour has a coordinator's sign-in."""
    office.phone_number = CENTURY
    harbour = create_office(
        session=db.session, name="Harbour Office", timezone="Asia/Hong_Kong",
        phone=HARBOUR, region="US", language="zh_Hant",
    )  # fmt: skip
    open_round_the_clock(harbour)
    db.session.add(Salesperson(office_id=harbour.id, name="Alice Chen", mobile=ALICE))
    user = User(office_id=harbour.id, username="harbour-coordinator", role="coordinator")
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return harbour


def text(client, body: str, to: str = HARBOUR) -> str:
    response = post_signed(client, "/twilio/sms", sms_params(body, ALICE, To=to))
    assert response.status_code == 200, response.get_data(as_text=True)
    return reply_text(response)


def open_page(office) -> Page:
    page = page_out(new_lead(office), T0)
    db.session.commit()
    assert page.salesperson.mobile == ALICE
    return page


def state(page: Page) -> str:
    db.session.expire_all()
    return db.session.get(Page, page.id).state


# -- a page is one SMS in every language ---------------------------------------------------


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("channel", ["call", "walk_in"])
@pytest.mark.parametrize("ref", [99999, 2**31 - 1])  # a busy office's; the largest id kept
def test_a_page_is_one_sms_in_every_language(app, language, channel, ref):
    lead = SimpleNamespace(id=ref, channel=channel)

    page = page_text(lead, language)

    segments = sms_segments(page)
    assert segments.segments == 1, (page, segments)
    assert str(ref) in page
    # English stays in GSM-7 (160 a segment); Chinese is UCS-2 (70 a segment).
    assert segments.encoding == ("GSM-7" if language == "en" else "UCS-2")


def test_a_chinese_offices_page_is_written_in_its_language(app, harbour):
    harbour.name = LONGEST_NAME  # the longest name allowed changes nothing in the page
    lead = new_lead(harbour)
    page = current_page(session=db.session, lead_id=lead.id)

    assert page.body == f"客戶來電，請致電辦公室。編號 {lead.id}。回電時請回覆「好」或 OK。"
    assert sms_segments(page.body).segments == 1


def test_an_english_offices_page_is_unchanged(app, office):
    lead = new_lead(office)

    assert current_page(session=db.session, lead_id=lead.id).body == (
        f"Client call, please call the office. Ref {lead.id}. Reply OK when you call back."
    )


def test_a_simplified_chinese_office_writes_simplified(app, office):
    office.language = "zh_Hans"
    lead = new_lead(office, channel="walk_in")

    body = current_page(session=db.session, lead_id=lead.id).body
    assert body.startswith("客户到访，请致电办公室。编号") and sms_segments(body).segments == 1


# -- replies in the office's language ------------------------------------------------------


@pytest.mark.twilio
@pytest.mark.parametrize("word", ["好", "好的", "收到", "收到！", "OK"])
def test_ok_in_chinese_acknowledges_and_is_answered_in_chinese(client, harbour, word):
    page = open_page(harbour)

    said = text(client, word)

    assert state(page) == PageState.ACKNOWLEDGED
    assert said.startswith(f"謝謝，編號 {page.lead_id} 由你負責。")


@pytest.mark.twilio
@pytest.mark.parametrize("word", ["不", "不要", "PASS", "NO"])
def test_no_in_chinese_passes_the_page_on(client, harbour, word):
    page = open_page(harbour)

    said = text(client, word)

    assert state(page) == PageState.DECLINED
    assert said == f"編號 {page.lead_id} 已轉交經理。"  # nobody else in Harbour


@pytest.mark.twilio
def test_a_ref_written_against_the_word_picks_that_page(client, harbour):
    first, second = open_page(harbour), open_page(harbour)

    which = text(client, "好")
    taken = text(client, f"收到{second.lead_id}")

    assert which == (
        f"你有 編號 {first.lead_id} 及 編號 {second.lead_id} 未回覆。"  # no space after 。
        f"請回覆 OK {first.lead_id}、OK {second.lead_id} 或 OK ALL。"
    )
    assert (state(first), state(second)) == (PageState.OPEN, PageState.ACKNOWLEDGED)
    assert f"編號 {second.lead_id} 由你負責" in taken


@pytest.mark.twilio
def test_a_word_that_only_begins_like_one_is_not_understood(client, harbour):
    page = open_page(harbour)

    said = text(client, "不是")  # "it is not": no decline

    assert state(page) == PageState.OPEN and said.startswith("對不起，未能理解。")


@pytest.mark.twilio
@pytest.mark.parametrize("language", ["zh_Hant", "zh_Hans"])
def test_help_lists_the_words_of_the_offices_language(client, harbour, language):
    harbour.language = language
    db.session.commit()

    said = text(client, "HELP")

    for word in ("好", "收到", "不", "OK", "PASS", "DONE", "STOP"):
        assert word in said
    assert set(OFFICE_WORDS[language]) >= {"好", "收到", "不"}
    assert ("回覆" if language == "zh_Hant" else "回复") in said


@pytest.mark.twilio
def test_the_english_office_answers_in_english_beside_a_chinese_one(client, harbour, office):
    here, there = open_page(office), open_page(harbour)

    english = text(client, f"OK {here.lead_id}", to=CENTURY)
    chinese = text(client, f"OK {there.lead_id}")

    assert english.startswith(f"Thanks, Ref {here.lead_id} is yours.")
    assert chinese.startswith(f"謝謝，編號 {there.lead_id} 由你負責。")
    # Chinese words work in an English office too; its HELP names the English ones.
    assert "Reply OK" in text(client, "幫助", to=CENTURY)


def test_a_missed_pages_notice_and_the_next_page_are_in_the_offices_language(app, harbour):
    db.session.add(Salesperson(office_id=harbour.id, name="Hana Wong", mobile="+12025550301"))
    lead = new_lead(harbour)

    outcome = missed(lead)  # the deadline job: no request, the office of the row

    notice = db.session.scalar(select(Notice).where(Notice.lead_id == lead.id))
    assert f"（編號 {lead.id}）" in notice.body and "未有及時回覆" in notice.body
    assert re.search(r"\d+月\d+日週[一二三四五六日]", notice.body)  # the day in Chinese
    following = db.session.get(Page, outcome.next_page_id)
    assert following.body.startswith("客戶來電")


# -- screens in the signed-in user's office's language -------------------------------------


def test_the_console_is_in_each_users_offices_language_request_by_request(app, harbour):
    century = sign_in(app.test_client(), "coordinator")
    hong_kong = sign_in(app.test_client(), "harbour-coordinator", PASSWORD)

    def page(client) -> str:
        # Each request in its own app context, as a server serves it (the test's own
        # context would share flask.g, and Flask-Login's user with it, between clients).
        with app.app_context():
            return client.get("/").get_data(as_text=True)

    for _ in range(2):  # alternately, in one process: nothing of one leaks into the next
        english, chinese = page(century), page(hong_kong)
        assert "Open leads" in english and "未處理的個案" not in english
        assert '<html lang="en">' in english
        assert "未處理的個案" in chinese and "Open leads" not in chinese
        assert '<html lang="zh-Hant">' in chinese and "登出 harbour-coordinator" in chinese


def test_a_salespersons_page_is_in_their_offices_language(app, harbour):
    alice = db.session.scalar(
        select(Salesperson).where(
            Salesperson.office_id == harbour.id, Salesperson.name == "Alice Chen"
        )
    )
    user = User(
        office_id=harbour.id, username="alice-hk", role="salesperson", salesperson_id=alice.id
    )
    user.set_password(PASSWORD)
    db.session.add(user)
    page = page_out(new_lead(harbour), T0)
    db.session.commit()
    me = sign_in(app.test_client(), "alice-hk", PASSWORD)

    shown = me.get("/me").get_data(as_text=True)
    taken = me.post(f"/me/leads/{page.lead_id}/ok", follow_redirects=True).get_data(as_text=True)

    assert "未回覆的傳呼" in shown and "信箱" in shown and "Open pages" not in shown
    assert f"編號 {page.lead_id} 由你負責。" in taken


def test_sign_in_is_english_while_the_office_is_not_known(app, harbour):
    # Two offices and nobody signed in: no office to take the language from.
    assert "User name" in app.test_client().get("/sign-in").get_data(as_text=True)


# -- setting the language ------------------------------------------------------------------


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_create_office_takes_a_language_and_refuses_an_unknown_one(app):
    bad = run(app, "create-office", "Kowloon Office", "--language", "klingon")
    good = run(app, "create-office", "Kowloon Office", "--language", "zh_Hans")

    assert bad.exit_code != 0 and "Not a language of the service" in bad.output
    assert "zh_Hant" in bad.output  # the choices are named
    assert good.exit_code == 0, good.output
    offices = db.session.scalars(select(Office)).all()
    assert [(o.name, o.language) for o in offices] == [("Kowloon Office", "zh_Hans")]


def test_update_office_refuses_an_unknown_language_and_changes_nothing(app, office):
    result = run(app, "update-office", "--language", "fr", "--timezone", "Europe/Paris")

    assert result.exit_code != 0 and "Not a language" in result.output
    db.session.expire_all()
    assert (office.language, office.timezone) == ("en", "America/New_York")
    assert run(app, "update-office", "--language", "zh_Hant").exit_code == 0
    db.session.expire_all()
    assert office.language == "zh_Hant"


def test_the_admin_sets_an_offices_language_and_an_unknown_one_changes_nothing(app, harbour):
    admin = sign_in(app.test_client(), "admin")
    fields = {"name": "Harbour Office", "timezone": "Asia/Hong_Kong", "phone": HARBOUR}

    refused = admin.post(f"/admin/offices/{harbour.id}", data={**fields, "language": "xx"})
    db.session.expire_all()
    unchanged = harbour.language
    saved = admin.post(f"/admin/offices/{harbour.id}", data={**fields, "language": "zh_Hans"})

    assert refused.status_code == 400 and "Not a language" in refused.get_data(as_text=True)
    assert unchanged == "zh_Hant"
    assert saved.status_code == 303
    db.session.expire_all()
    assert harbour.language == "zh_Hans"


def test_the_manager_sets_the_language_on_office_rules(app, office):
    manager = sign_in(app.test_client(), "manager")
    rules = {"ownership_lapse_days": "20", "target_area": "", "manager_mobile": ""}

    refused = manager.post("/manager/office", data={**rules, "language": "xx"})
    saved = manager.post("/manager/office", data={**rules, "language": "zh_Hant"})

    assert refused.status_code == 400 and saved.status_code == 303
    db.session.expire_all()
    assert office.language == "zh_Hant"
    assert "語言" in manager.get("/manager/office").get_data(as_text=True)


def test_the_office_count_is_untouched_by_a_refused_create(app):
    run(app, "create-office", "Kowloon Office", "--language", "")
    assert db.session.scalar(select(func.count(Office.id))) == 0


# -- the catalogues -------------------------------------------------------------------------


def _extracted() -> set:
    """Every message the code and templates mark for translation (babel.cfg)."""
    with open(os.path.join(ROOT, "babel.cfg")) as file:
        method_map, options_map = parse_mapping_cfg(file)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalogue(language: str) -> Catalog:
    path = os.path.join(CATALOGUES, language, "LC_MESSAGES", "messages.po")
    with open(path, "rb") as file:
        return read_po(file, locale=language)


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_message_is_translated_in_each_catalogue(language):
    catalogue = _catalogue(language)
    translated = {}
    for message in catalogue:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        string = message.string if isinstance(message.string, str) else message.string[0]
        assert not message.fuzzy, f"fuzzy in {language}: {key!r}"
        translated[key] = string

    missing = sorted(message for message in _extracted() if not translated.get(message))

    assert not missing, (
        f"not translated in {language} (pybabel extract/update, then translate: README "
        f"'Languages'): {missing}"
    )
    for key, string in translated.items():  # the same placeholders, or gettext fails
        assert set(re.findall(r"%\(\w+\)[sd]", key)) == set(re.findall(r"%\(\w+\)[sd]", string)), (
            language,
            key,
            string,
        )
    assert not list(catalogue.check()), "the catalogue has errors"


def test_the_catalogues_compile_and_are_used(app, tmp_path):
    compiled = compile_catalogues(CATALOGUES, str(tmp_path))

    assert sorted(compiled) == ["zh_Hans", "zh_Hant"]
    assert compile_catalogues(CATALOGUES, str(tmp_path)) == []  # up to date: kept
    from flask_babel import gettext

    with in_language("zh_Hant"):
        hant = gettext("Open leads")
    with in_language("zh_Hans"):
        hans = gettext("Open leads")
    with in_language("xx"):
        unknown = gettext("Open leads")
    assert (hant, hans, unknown) == ("未處理的個案", "未处理的线索", "Open leads")


@pytest.mark.twilio
def test_the_manager_is_told_of_a_stop_in_the_offices_language(client, harbour):
    harbour.manager_mobile = "+12025550399"
    db.session.commit()

    text(client, "STOP")

    told = db.session.scalar(
        select(ManagerMessage).where(ManagerMessage.to_number == "+12025550399")
    )
    assert told.body.startswith("Alice Chen 已發送 STOP：")


@pytest.mark.twilio
def test_a_chinese_webhook_between_two_english_pages_leaves_no_chinese_behind(app, client, harbour):
    """The test's requests share one app context (flask.g): a webhook for Harbour in
    between must not leave its language for the next request (language.init_babel)."""
    century = sign_in(client, "coordinator")
    open_page(harbour)

    before = century.get("/").get_data(as_text=True)
    said = text(client, "好")
    after = century.get("/").get_data(as_text=True)

    assert said.startswith("謝謝")
    for page in (before, after):
        assert '<html lang="en">' in page and "Open leads" in page


def test_each_request_chooses_its_language_anew(app, office):
    """One office, nobody signed in: sign-in is in the office's language, and a change of
    it shows on the next request, although the test's requests share flask.g."""
    office.language = "zh_Hant"
    db.session.commit()
    visitor = app.test_client()

    chinese = visitor.get("/sign-in").get_data(as_text=True)
    office.language = "en"
    db.session.commit()
    english = visitor.get("/sign-in").get_data(as_text=True)

    assert "用戶名稱" in chinese and "User name" not in chinese
    assert "User name" in english and "用戶名稱" not in english


# -- the manager's screens ------------------------------------------------------------------


def harbour_manager(app, harbour):
    user = User(office_id=harbour.id, username="harbour-manager", role="manager")
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return sign_in(app.test_client(), "harbour-manager", PASSWORD)


def test_the_dashboard_is_in_chinese_for_a_harbour_manager(app, harbour, office):
    page_out(new_lead(harbour), T0)
    db.session.commit()
    manager = harbour_manager(app, harbour)

    shown = manager.get("/manager/dashboard").get_data(as_text=True)
    english = sign_in(app.test_client(), "manager").get("/manager/dashboard").get_data(as_text=True)

    assert '<html lang="zh-Hant">' in shown
    # The charts' data is the JSON export's (English codes); their words come beside it.
    chart_words = re.search(r'id="dashboard-words">(.*?)</script>', shown, re.S).group(1)
    assert json.loads(chart_words)["Monday"] == "星期一"
    shown = re.sub(r"<script.*?</script>", "", shown, flags=re.S)
    chinese = ("總覽", "營業員", "按星期", "星期一", "資料記錄率", "已聯絡客戶", "最新個案")
    for words in (*chinese, "買家", "問候短訊"):
        assert words in shown, words
    for words in ("Salespeople", "By weekday", "Monday", "capture rate", "Latest leads", "buyer"):
        assert words not in shown, words
    # The CSV travels: its headers stay as they were; the English office's page too.
    csv = manager.get("/manager/dashboard.csv?table=salespeople").get_data(as_text=True)
    assert csv.startswith("Id,Salesperson,")
    assert "By weekday" in english and "Monday" in english and "按星期" not in english


def test_the_roster_is_in_chinese_for_a_harbour_manager(app, harbour):
    shown = harbour_manager(app, harbour).get("/manager/roster").get_data(as_text=True)

    for words in ("值班表", "接待員的辦公時間", "新增更份", "星期一", "休假"):
        assert words in shown, words
    for words in ("Duty shifts", "Add the shift", "Monday", "The coordinator's hours"):
        assert words not in shown, words


def test_the_new_office_rules_are_in_chinese(app, harbour):
    shown = harbour_manager(app, harbour).get("/manager/office").get_data(as_text=True)

    assert "以短訊通知未接來電的客戶" in shown and "此通話可能會被錄音" in shown
    assert "抱歉未能接聽你的來電，Harbour Office會在" in shown
    assert "Text callers we missed" not in shown


def test_the_clients_hand_over_and_courtesy_screens_are_in_chinese(app, harbour):
    manager = harbour_manager(app, harbour)

    clients = manager.get("/manager/clients").get_data(as_text=True)
    hand_over = manager.get("/manager/clients/hand-over").get_data(as_text=True)
    courtesy = manager.get("/manager/courtesy").get_data(as_text=True)

    assert "搜尋" in clients and "0 位客戶" in clients
    assert "移交客戶" in hand_over and "發展商轉介（50% 分成）" in hand_over
    assert "問候短訊" in courtesy and "免打擾時段" in courtesy
    for page in (clients, hand_over, courtesy):
        assert "Search" not in page and "Hand over clients" not in page


def test_how_pages_reach_a_salesperson_is_in_chinese(app, harbour):
    alice = db.session.scalar(
        select(Salesperson).where(
            Salesperson.office_id == harbour.id, Salesperson.name == "Alice Chen"
        )
    )
    manager = harbour_manager(app, harbour)

    done = manager.post(
        f"/manager/salespeople/{alice.id}/page-by",
        data={"page_by": "sms_then_call"},
        follow_redirects=True,
    ).get_data(as_text=True)

    assert "Alice Chen 如何收到傳呼" in done and "只以來電" in done
    assert "Alice Chen 的傳呼：以短訊，2 分鐘內未回覆再來電。" in done
    assert "By call only" not in done


# -- the office's voice ---------------------------------------------------------------------


def says(response) -> list[tuple[str, str]]:
    """Each <Say> of a TwiML answer: (its language, its words)."""
    root = ElementTree.fromstring(response.get_data(as_text=True))
    return [(say.get("language"), say.text or "") for say in root.iter("Say")]


@pytest.mark.twilio
def test_a_caller_to_a_chinese_office_hears_cantonese_and_an_english_one_english(
    client, harbour, office
):
    db.session.execute(delete(OfficeHours))  # nobody at the desk, nobody on duty
    harbour.record_calls = True
    db.session.commit()

    chinese = post_signed(client, "/twilio/voice", call_params("+12025550999", To=HARBOUR))
    english = post_signed(client, "/twilio/voice", call_params("+12025550999", To=CENTURY))

    assert says(chinese) == [
        ("zh-HK", "多謝致電Harbour Office。現時未有同事可以接聽你的電話。"),
        ("zh-HK", "如未能接聽，我們已有你的電話號碼，會盡快回電。再見。"),
    ]
    assert [language for language, _ in says(english)] == ["en-US", "en-US"]
    assert says(english)[0][1].startswith("Thank you for calling Century Office.")


@pytest.mark.twilio
def test_a_salesperson_calling_a_simplified_chinese_office_hears_mandarin(client, harbour):
    harbour.language = "zh_Hans"
    page = open_page(harbour)

    answer = post_signed(client, "/twilio/voice", call_params(ALICE, To=HARBOUR))

    heard = says(answer)
    assert {language for language, _ in heard} == {"zh-CN"}
    words = " ".join(text for _, text in heard)
    assert f"编号 {page.lead_id} 由你负责。" in words and "Hello" not in words
