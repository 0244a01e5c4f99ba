"""Encoding and delimiter detection."""

from __future__ import annotations

import codecs

import pytest

from flows.connectors.detect import decode_text, delimiter_char, sniff_delimiter


@pytest.mark.parametrize(
    "case",
    [
        {"description": "ASCII is UTF-8", "data": b"id;Name", "text": "id;Name", "used": "utf-8"},
        {
            "description": "UTF-8 BOM stripped",
            "data": codecs.BOM_UTF8 + "Straße".encode(),
            "text": "Straße",
            "used": "utf-8",
        },
        {
            "description": "invalid UTF-8 falls back to Windows-1252",
            "data": "Größe 5 €".encode("cp1252"),
            "text": "Größe 5 €",
            "used": "cp1252",
        },
        {
            "description": "UTF-16 LE by BOM",
            "data": codecs.BOM_UTF16_LE + "Jürgen".encode("utf-16-le"),
            "text": "Jürgen",
            "used": "utf-16",
        },
        {
            "description": "UTF-16 BE by BOM",
            "data": codecs.BOM_UTF16_BE + "Jürgen".encode("utf-16-be"),
            "text": "Jürgen",
            "used": "utf-16",
        },
        {
            "description": "explicit latin-1",
            "data": "Müller".encode("latin-1"),
            "encoding": "Latin-1",
            "text": "Müller",
            "used": "iso8859-1",
        },
        {
            "description": "explicit utf-8 strips BOM too",
            "data": codecs.BOM_UTF8 + b"id",
            "encoding": "UTF8",
            "text": "id",
            "used": "utf-8",
        },
    ],
    ids=lambda case: case["description"],
)
def test_decode_text(case: dict) -> None:
    assert decode_text(case["data"], case.get("encoding", "auto")) == (case["text"], case["used"])


def test_unknown_encoding_raises_lookup_error() -> None:
    with pytest.raises(LookupError):
        decode_text(b"x", "no-such-codec")


def test_bytes_undefined_in_windows_1252_raise() -> None:
    # 0x81 is neither valid UTF-8 here nor defined in Windows-1252.
    with pytest.raises(UnicodeDecodeError):
        decode_text(b"id\n\x81\n", "auto")


@pytest.mark.parametrize(
    "case",
    [
        {"description": "semicolon", "text": "a;b;c\n1;2;3\n", "delimiter": ";"},
        {"description": "comma", "text": "a,b,c\n1,2,3\n", "delimiter": ","},
        {"description": "tab", "text": "a\tb\tc\n1\t2\t3\n", "delimiter": "\t"},
        {"description": "pipe", "text": "a|b|c\n1|2|3\n", "delimiter": "|"},
        {
            "description": "semicolon wins over commas inside values",
            "text": "Name;Umsatz\nMeier, Hans;1,50\nHuber, Eva;2,75\n",
            "delimiter": ";",
        },
        {
            "description": "comma wins when rows agree with it",
            "text": 'Name,Ort\n"Meier; Hans",Wien\nEva,Graz\n',
            "delimiter": ",",
        },
        {
            "description": "quoted newline does not confuse",
            "text": 'a;b\n"x\ny";2\n3;4\n',
            "delimiter": ";",
        },
        {
            "description": "single column falls back to comma",
            "text": "Name\nAnna\n",
            "delimiter": ",",
        },
        {"description": "empty text", "text": "", "delimiter": ","},
    ],
    ids=lambda case: case["description"],
)
def test_sniff_delimiter(case: dict) -> None:
    assert sniff_delimiter(case["text"]) == case["delimiter"]


@pytest.mark.parametrize(
    ("configured", "expected"), [("auto", None), ("\\t", "\t"), (";", ";"), (",", ",")]
)
def test_delimiter_char(configured: str, expected: str | None) -> None:
    assert delimiter_char(configured) == expected
