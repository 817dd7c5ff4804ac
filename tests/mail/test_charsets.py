"""Every charset, exactly (issue 15, Build 2): the declared charset is honoured, detection only
without a usable one; headers, names and HTML-only mail all decode. Each message is made here."""

from __future__ import annotations

import pytest

from secondline.mail import intake
from secondline.mail.charsets import decode_text
from secondline.mail.parse import parse

CAPITALS = "ОШИБКА 1С ПРИ ВЫГРУЗКЕ"


def with_body(body: bytes, content_type: str, *extra: str, subject: str = "Test") -> bytes:
    head = [
        "From: Ivan <ivan@customer.example>",
        "To: support@secondline.example",
        f"Subject: {subject}",
        "MIME-Version: 1.0",
        f"Content-Type: {content_type}",
        *extra,
    ]
    return "\r\n".join([*head, "", ""]).encode() + body


@pytest.mark.parametrize(
    ("codec", "label"),
    [
        ("koi8_r", "koi8-r"),
        ("cp1251", "windows-1251"),
        ("iso2022_jp", "iso-2022-jp"),
        ("utf_7", "utf-7"),
        ("cp866", "ibm866"),
        ("mac_cyrillic", "x-mac-cyrillic"),
        ("utf_16", "utf-16"),
    ],
)
def test_a_declared_charset_is_honoured(codec, label) -> None:
    text = "テスト, ありがとう" if codec == "iso2022_jp" else CAPITALS
    raw = with_body(
        text.encode(codec),
        f"text/plain; charset={label}",
        "Content-Transfer-Encoding: " + ("base64" if codec == "utf_16" else "8bit"),
    )
    if codec == "utf_16":
        import base64

        raw = raw.replace(text.encode(codec), base64.b64encode(text.encode(codec)))
    assert parse(raw).text.strip() == text


def test_russian_capitals_in_windows_1251_and_koi8_r_are_not_guessed_over(member) -> None:
    for codec in ("cp1251", "koi8-r"):
        raw = with_body(CAPITALS.encode(codec), f"text/plain; charset={codec}").replace(
            b"ivan@customer.example", member.email.encode()
        )
        ticket = intake.ingest_message(raw).message.result_ticket
        assert ticket.description == CAPITALS


@pytest.mark.parametrize("codec", ["cp1251", "koi8_r"])
def test_russian_without_a_label_is_detected_by_its_letters(codec) -> None:
    for text in (CAPITALS, "Где настраивается второй прайс-лист?"):
        assert decode_text(text.encode(codec)) == text
        assert decode_text(text.encode(codec), "x-unknown") == text


def test_a_label_that_does_not_decode_falls_back_to_detection() -> None:
    assert decode_text("Отчёт".encode(), "us-ascii") == "Отчёт"
    assert decode_text("Отчёт".encode(), "iso-8859-1") == "Отчёт"  # C1 bytes: not Latin-1
    assert decode_text("café".encode("latin-1"), "iso-8859-1") == "café"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=", "テスト"),
        ("=?utf-7?Q?+BB8EQAQ4BDIENQRC-?=", "Привет"),
        ("=?koi8-r?B?8NLJ18XU?=", "Привет"),
        ("=?windows-1251?Q?=CE=D8=C8=C1=CA=C0?=", "ОШИБКА"),
        # an encoded word split by a fold, and plain text beside an encoded word
        ("=?utf-8?B?0J/RgNC4\r\n 0LLQtdGC?=", "Привет"),
        ("Re: =?utf-8?Q?=D0=BC=D0=B8=D1=80?= again", "Re: мир again"),
    ],
)
def test_encoded_subjects_decode(header, expected) -> None:
    parsed = parse(with_body(b"hello", "text/plain", subject=header))
    assert parsed.subject == expected
    assert parsed.envelope is not None and parsed.envelope.subject == expected


def test_raw_8bit_subject_decodes_with_the_message_charset() -> None:
    raw = with_body(
        "Вопрос".encode("cp1251"), "text/plain; charset=windows-1251", subject="XX"
    ).replace(b"Subject: XX", b"Subject: " + "Счёт за декабрь".encode("cp1251"))
    assert parse(raw).subject == "Счёт за декабрь"


def test_a_badly_folded_header_keeps_from_and_subject_out_of_the_body() -> None:
    raw = (
        b"To: support@secondline.example\r\n"
        b"Subject: The report for the warehouse\r\n"
        b"does not open since Monday\r\n"
        b"From: Ivan <ivan@customer.example>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"\r\n"
        b"It says error 42.\r\n"
    )
    parsed = parse(raw)
    assert parsed.sender == "ivan@customer.example"
    assert parsed.subject == "The report for the warehouse does not open since Monday"
    assert parsed.text.strip() == "It says error 42."
    assert parsed.envelope is not None and parsed.envelope.sender == "ivan@customer.example"


def test_a_body_without_the_blank_line_is_not_taken_for_headers() -> None:
    raw = b"From: ivan@customer.example\r\nSubject: hi\r\nHello there\r\nNote: see logs\r\n"
    parsed = parse(raw)
    assert parsed.subject == "hi" and "Hello there" in parsed.text


def attachment(disposition: bytes) -> bytes:
    return (
        b"From: ivan@customer.example\r\nSubject: files\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=windows-1251\r\n\r\n"
        + "Лог во вложении".encode("cp1251")
        + b"\r\n--b\r\nContent-Type: application/octet-stream\r\n"
        + disposition
        + b"\r\nContent-Transfer-Encoding: base64\r\n\r\nRVJST1I=\r\n--b--\r\n"
    )


@pytest.mark.parametrize(
    "disposition",
    [
        b'Content-Disposition: attachment; filename="' + "журнал.log".encode() + b'"',
        b'Content-Disposition: attachment; filename="' + "журнал.log".encode("cp1251") + b'"',
        b"Content-Disposition: attachment; filename*=koi8-r''%D6%D5%D2%CE%C1%CC.log",
        b'Content-Disposition: attachment; filename="=?utf-8?B?0LbRg9GA0L3QsNC7LmxvZw==?="',
    ],
)
def test_attachment_names_decode(disposition) -> None:
    parsed = parse(attachment(disposition))
    assert [a.filename for a in parsed.attachments] == ["журнал.log"]
    assert parsed.attachments[0].data == b"ERROR"


def test_html_only_mail_keeps_word_boundaries(member) -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body>"
        "<div><b>Please</b> <i>call</i> me at <a href='mailto:x@y.example'>x@y.example</a>"
        " today</div><div>Second&nbsp;line</div><table><tr><td>Order</td><td>42</td></tr>"
        "</table></body></html>"
    )
    raw = with_body(html.encode(), "text/html; charset=utf-8").replace(
        b"ivan@customer.example", member.email.encode()
    )
    ticket = intake.ingest_message(raw).message.result_ticket
    lines = [line.strip() for line in ticket.description.splitlines() if line.strip()]
    assert lines[0] == "Please call me at x@y.example today"
    assert lines[1] == "Second\xa0line" or lines[1] == "Second line"
    assert lines[2].split() == ["Order", "42"]
    assert "color" not in ticket.description


def text_codecs() -> list[str]:
    """Every text codec Python knows (the names MIME labels use, or its own)."""
    import codecs
    import encodings.aliases

    names = set()
    for name in {*encodings.aliases.aliases.values()}:
        try:
            info = codecs.lookup(name)
        except LookupError:
            continue
        if getattr(info, "_is_text_encoding", True):
            names.add(info.name)
    return sorted(names)


SAMPLE = "Ошибка 1С ПРИ ВЫГРУЗКЕ, café €5, テスト 中文 한국어 ÆØÅ ąęł Ελλάδα עברית عربي ไทย"


@pytest.mark.parametrize("codec", text_codecs())
def test_every_charset_python_knows_is_read_as_declared(codec) -> None:
    import base64

    text = "".join(ch for ch in SAMPLE if _encodable(ch, codec))
    if text.isascii() or not text.strip():
        pytest.skip(f"{codec} has none of the sample's letters")
    data = text.encode(codec)
    raw = with_body(
        base64.b64encode(data),
        f'text/plain; charset="{codec}"',
        "Content-Transfer-Encoding: base64",
    )
    assert parse(raw).text.strip() == text.strip()


def _encodable(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def test_obsolete_space_before_the_colon_still_reads_the_headers() -> None:
    raw = b"From  : Ivan <ivan@customer.example>\r\nSubject     : Hello\r\n\r\nHi.\r\n"
    parsed = parse(raw)
    assert (parsed.sender, parsed.subject, parsed.text.strip()) == (
        "ivan@customer.example",
        "Hello",
        "Hi.",
    )


def test_a_file_name_cut_in_the_middle_of_a_utf8_character_is_still_utf8() -> None:
    name = "Картинка с очень длинным именем".encode()[:-1]
    raw = attachment(b'Content-Disposition: attachment; filename="' + name + b'"')
    assert parse(raw).attachments[0].filename.startswith("Картинка с очень длинным имен")


def test_layout_tables_read_row_by_row() -> None:
    html = (
        "<table><tr><td width=600>Something went wrong.</td></tr>"
        "<tr><td>Order</td><td>42</td></tr></table>"
    )
    text = parse(with_body(html.encode(), "text/html; charset=utf-8")).text
    assert text.splitlines() == ["Something went wrong.", "Order 42"]


def test_an_unlabelled_part_is_read_in_the_charset_the_message_declares() -> None:
    raw = (
        b"From: ivan@customer.example\r\nSubject: two\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n"
        + "Первая часть".encode("koi8-r")
        + b"\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
        + "ЭХО".encode("koi8-r")
        + b"\r\n--b--\r\n"
    )
    assert parse(raw).text.split("\n\n") == ["Первая часть", "ЭХО"]  # "ьип" if guessed


def test_a_big_html_body_is_read_plainly_with_word_boundaries_kept() -> None:
    from secondline.mail.body import INSCRIPTIS_MAX_CHARS, html_to_text

    words = "<b>Please</b> <i>call</i> me today. " * (INSCRIPTIS_MAX_CHARS // 30)
    html = f"<html><head><style>p{{color:red}}</style></head><body><p>{words}</p>"
    html += "<script>alert(1)</script><div>Ivan &amp; Co</div></body></html>"
    assert len(html) > INSCRIPTIS_MAX_CHARS
    text = html_to_text(html)
    assert text.startswith("Please call me today. Please call")
    assert text.endswith("today.\n\nIvan & Co") and "color" not in text and "alert" not in text
