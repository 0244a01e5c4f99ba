"""Physical records of delimited text, counted from the lines and their quotes alone.

This is the count the parser is checked against: it does not use the parser's output, so a
parser that swallows lines into one value cannot also hide the loss in its own balance.

A line is a physical record of its own unless it continues a well-formed quoted value that
spans lines. Such a value opens on a line with an odd number of quotes whose unpaired quote
starts a field, and closes on the next line with an odd number of quotes, whose first unescaped
quote ends a field. The span is accepted only if

* it takes at most ``max_lines`` lines (a silo option, 1 = the silo has no multi-line values),
* no line it would swallow looks like a complete record of its own (files of 3 or more
  columns): a line between the first and the last with exactly N-1 delimiters outside its
  quoted sections, or a last line with N-1 delimiters outside quotes once its first quote is
  taken as closing, one of them before that quote. A stray quote in one name
  and another in a name two rows later would otherwise make one record of three customers.
  A real multi-line value with such a line (a note with N-1 semicolons) is quarantined as a
  broken quote too: loudly, with its row number.

Otherwise the opening line is a broken quote: it is a record of its own (the parser quarantines
it) and the lines after it are records again. Lines end at LF, CRLF or a lone CR (old Mac
files), as Python's csv module reads them.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np
import polars as pl

QUOTE = '"'
#: A quoted section, escaped quotes ("") included as two sections.
QUOTED = r'"[^"]*"'
#: A carriage return that does not end a CRLF line: an old Mac line end.
_LONE_CR = re.compile(r"\r(?!\n)")
#: Splitting lines with polars' reader needs a separator that is not in the text.
_UNIT_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class PhysicalLines:
    """The text split into lines: content without line ends, the line ends, start offsets."""

    content: pl.Series
    #: "\n", "\r\n", "\r" or "" (last line without a line end), per line.
    ends: pl.Series
    #: Character offset of each line's start in the text (for mapping decoding notes to lines).
    offsets: np.ndarray

    def __len__(self) -> int:
        return self.content.len()

    def joined(self, start: int, stop: int) -> str:
        """Lines start..stop-1 with their original line ends, the last one's dropped."""
        parts = self.content.slice(start, stop - start).to_list()
        ends = self.ends.slice(start, stop - start - 1).to_list()
        return "".join(part + end for part, end in zip(parts[:-1], ends, strict=True)) + (
            parts[-1] if parts else ""
        )


@dataclass(frozen=True)
class Segments:
    """Physical records as line ranges, in file order (header included as the first)."""

    #: First line (0-based) of each record.
    starts: np.ndarray
    #: One past the last line of each record.
    stops: np.ndarray
    #: True where the record's first line opens a quote that never closes properly.
    broken: np.ndarray


def split_lines(text: str) -> PhysicalLines:
    """Split at LF, CRLF and lone CR, keeping which line end each line had."""
    crlf = text.count("\r\n")
    newlines = text.count("\n")
    if _LONE_CR.search(text) is None and _UNIT_SEPARATOR not in text and crlf in (0, newlines):
        # The common case: one kind of line end, split by polars' reader (multi-threaded).
        content = (
            pl.read_csv(
                text.encode("utf-8"),
                has_header=False,
                new_columns=["line"],
                separator=_UNIT_SEPARATOR,
                quote_char=None,
                infer_schema=False,
                empty_string_is_null=False,
                raise_if_empty=False,
            )["line"]
            if text
            else pl.Series("line", [], dtype=pl.String)
        )
        end = "\r\n" if crlf else "\n"
        count = content.len()
        ends = pl.repeat(end, count, dtype=pl.String, eager=True).alias("end")
        if count and not text.endswith("\n"):
            ends[-1] = ""
        lengths = (content.str.len_chars() + ends.str.len_chars()).to_numpy()
    else:
        raw = pl.Series("line", list(io.StringIO(text, newline="")), dtype=pl.String)
        content = raw.str.strip_suffix("\n").str.strip_suffix("\r")
        lengths = raw.str.len_chars().to_numpy()
        end_lengths = pl.Series(lengths - content.str.len_chars().to_numpy(), dtype=pl.Int64)
        ends = raw.to_frame().select(pl.col("line").str.tail(end_lengths)).to_series()
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(lengths) else np.array([])
    return PhysicalLines(content.alias("line"), ends, offsets.astype(np.int64))


def segment(lines: PhysicalLines, delimiter: str, columns: int, max_lines: int) -> Segments:
    """The physical records of the lines (see the module docstring)."""
    content = lines.content
    total = content.len()
    if total == 0:
        empty = np.array([], dtype=np.int64)
        return Segments(empty, empty, np.array([], dtype=bool))
    escaped = re.escape(delimiter)
    quotes = content.str.count_matches(QUOTE, literal=True)
    odd = (quotes % 2 == 1).to_numpy()
    if not odd.any():  # no quote left open anywhere: every line is a record
        starts = np.arange(total, dtype=np.int64)
        return Segments(starts, starts + 1, np.zeros(total, dtype=bool))
    outside = content.str.replace_all(QUOTED, "")
    opener = odd & outside.str.contains(rf'(?:^|{escaped})"[^"]*$').to_numpy()
    closer = odd & content.str.contains(rf'^(?:[^"]|"")*"(?:{escaped}|$)').to_numpy()
    # With fewer than 3 columns a value line with 0 or 1 delimiter is too ordinary to tell.
    many = columns >= 3
    outside_delimiters = outside.str.count_matches(delimiter, literal=True)
    looks_whole = ((quotes % 2 == 0) & (outside_delimiters == columns - 1)).to_numpy() & many
    # The closing line of a stray quote is a whole record whose value has a quote at its end:
    # a delimiter before that quote, N-1 outside quotes in all.
    before = content.str.extract(r'^([^"]*)"').fill_null("")
    after = content.str.extract(r'^[^"]*"(.*)$').fill_null("").str.replace_all(QUOTED, "")
    before_count = before.str.count_matches(delimiter, literal=True)
    closes_whole = (
        (
            (before_count > 0)
            & (before_count + after.str.count_matches(delimiter, literal=True) == columns - 1)
        ).to_numpy()
        & many
        & odd
    )
    # whole_before[k]: lines before k that look like complete records
    whole_before = np.concatenate(([0], np.cumsum(looks_whole)))

    continuation = np.zeros(total + 1, dtype=np.int64)  # difference array
    broken = np.zeros(total, dtype=bool)
    odd_lines = np.flatnonzero(odd)
    position = 0
    for index, line in enumerate(odd_lines):
        if line < position or not opener[line]:
            continue
        close = odd_lines[index + 1] if index + 1 < len(odd_lines) else -1
        swallowed = (
            (whole_before[close] - whole_before[line + 1] + closes_whole[close]) if close > 0 else 0
        )
        if close > 0 and close - line < max_lines and closer[close] and swallowed == 0:
            continuation[line + 1] += 1
            continuation[close + 1] -= 1
            position = close + 1
        else:
            broken[line] = True
    is_continuation = np.cumsum(continuation[:-1]) > 0
    starts = np.flatnonzero(~is_continuation)
    stops = np.append(starts[1:], total)
    return Segments(starts, stops, broken[starts])


def count_records(text: str, delimiter: str, columns: int, max_lines: int) -> int:
    """Physical data records of a delimited text with a header line (header not counted)."""
    segments = segment(split_lines(text), delimiter, columns, max_lines)
    return max(len(segments.starts) - 1, 0)
