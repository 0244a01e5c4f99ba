"""A business domain that abbreviates a firm's name: engel-vm.de for Engel Versicherungsmakler,
kofler-immo.at for Kofler Immobilien, brunner-metzgerei.at for Metzgerei Brunner.

Firms pick short domains: a word of the name cut short (immo for Immobilien, maler for
Malerbetrieb), the initials of a compound word (vm for Versicherungsmakler, hv for
Hausverwaltung) or the words in another order (graf-getraenke.de for Getränke Graf). Such a
domain spells the name no more letter by letter, so a newsletter row at it
(angelika.schroeder@kofler-immo.at) never met the firm's records, which carry no e-mail.

A domain label abbreviates a name when it is written in words (separated by "-" or ".") and
each word stands for a word of its own of the name: the very word, its beginning (three letters
at least), or its initials (two or three letters, the first the word's first, the others in
order inside it). At least one word of the label must be a whole word of the name (four letters
at least: the family or brand name that tells the firm), and every word of the name must be
stood for: huber-bau.de names Huber Bau, not its sister Huber Bau Immobilien (so richter-kfz.de
does not name Kfz Technik Richter either: the name's key has lost the hyphen that made
"Kfz-Technik" one word). Labels without a separator are left to the letter-by-letter
comparison (matching.comparisons._domain_names_organisation).
"""

from __future__ import annotations

import polars as pl

#: A word of the label that names the firm whole has at least these letters.
ANCHOR_MIN_LETTERS = 4
#: A word cut short keeps at least these letters (immo, kfz).
CUT_MIN_LETTERS = 3
#: Initials are two or three letters (vm, hv, gmb).
INITIALS_LETTERS = (2, 3)


def domain_phrases(domains: pl.Expr) -> pl.Expr:
    """Per record: its business domains' labels before the top-level domain, each as its
    words separated by a space, where a label has two words or more ("engel-vm.de" ->
    "engel vm"; "huberbau.de" has none)."""
    return domains.list.eval(
        pl.element()
        .str.replace(r"\.[^.]+$", "")
        .str.replace_all(r"[^a-z.-]", "")
        .str.replace_all(r"[.-]+", " ")
        .str.strip_chars()
    ).list.eval(pl.element().filter(pl.element().str.contains(" ")))


def _stands_for(part: pl.Expr, word: pl.Expr) -> pl.Expr:
    """``part`` (a word of a label) stands for ``word`` (a word of the name)."""
    length = part.str.len_chars()
    cut = (length >= CUT_MIN_LETTERS) & word.str.starts_with(part)
    # Initials: the first letters equal, the others in order inside the word ("v.*m").
    initials = (
        length.is_between(*INITIALS_LETTERS)
        & (word.str.len_chars() > length)
        & (part.str.slice(0, 1) == word.str.slice(0, 1))
        & _in_order(part.str.slice(1), word.str.slice(1))
    )
    return ((part == word) | cut | initials).fill_null(False)


def _in_order(letters: pl.Expr, text: pl.Expr) -> pl.Expr:
    """The one or two ``letters`` occur in ``text`` in their order ("m" in "ersicherungsmakler":
    what the regular expression "v.*m" finds in "versicherungsmakler" after its first letter).

    Without a pattern per row: polars compiles the regular expression of every row of a pattern
    column (about 100 µs a row: 20 s CPU of the 200k-row demo's domain owners alone). If any
    occurrence of the first letter has the second after it, its first occurrence has.
    """
    second, third = letters.str.slice(0, 1), letters.str.slice(1, 1)
    pieces = text.str.split(second)
    rest = pieces.list.slice(1).list.join(second)
    return (pieces.list.len() >= 2) & ((third == "") | rest.str.contains(third, literal=True))


def abbreviated(frame: pl.DataFrame) -> pl.Series:
    """Per row of ``frame`` (``__words``: the name's words, ``__phrases``: the label phrases of
    the other record): whether one of the phrases abbreviates the name (see the module).

    Only rows with a name of two words or more and a phrase are looked at (most pairs are of
    persons: building every pair's key cost 0.6 s CPU a million pairs, and every pair is
    asked twice), and each distinct name and phrases once, joined back: the pairs of one
    firm's records repeat the same few (per pair it cost the 200k-row demo's nightly flow
    40 s CPU)."""
    key = pl.concat_str(
        pl.col("__words").list.join("\x1f"), pl.col("__phrases").list.join("\x1f"), separator="\x1e"
    ).alias("__key")
    keyed = (
        frame.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("__row"), "__words", "__phrases")
        .filter(_named_with_phrases())
        .with_columns(key)
    )
    distinct = keyed.unique("__key", keep="first", maintain_order=True)
    decided = distinct.filter(_abbreviated(distinct.select("__words", "__phrases")))
    found = keyed.join(decided.select("__key"), on="__key", how="semi")["__row"]
    return (
        pl.int_range(frame.height, dtype=pl.UInt32, eager=True)
        .is_in(found.implode())
        .alias("abbreviated")
    )


def _named_with_phrases() -> pl.Expr:
    """The row has a name of two words or more and a label phrase: the only rows an
    abbreviation can be found in."""
    return (pl.col("__words").list.len() >= 2).fill_null(False) & (
        pl.col("__phrases").list.len() > 0
    ).fill_null(False)


def _may_abbreviate(parts: pl.Expr, words: pl.Expr) -> pl.Expr:
    """What every abbreviation shows, checked per label before its parts meet the name's words
    one by one: the label and the name begin their words with the same letters (each part
    stands for a word of its own first letter, and every word is stood for), and a part is a
    whole word of the name (the anchor). Most candidates fail it: the one family name of a
    firm meets every domain holding it (mueller-bau.de, mueller-immobilien.de)."""
    anchors = parts.list.set_intersection(words).list.eval(
        pl.element().str.len_chars() >= ANCHOR_MIN_LETTERS
    )
    return ((first_letters(parts) == first_letters(words)) & anchors.list.any()).fill_null(False)


def first_letters(words: pl.Expr) -> pl.Expr:
    """The letters a list of words begins its words with, each once, sorted ("engel
    versicherungsmakler" and "engel vm" -> "ev"): equal for a name and every label that
    abbreviates it (see _may_abbreviate)."""
    return words.list.eval(pl.element().str.slice(0, 1)).list.unique().list.sort().list.join("")


def _abbreviated(frame: pl.DataFrame) -> pl.Series:
    """``abbreviated`` row by row."""
    rows = frame.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("__row"), "__words", "__phrases"
    ).filter(_named_with_phrases())
    if rows.is_empty():
        return pl.Series([False] * frame.height, dtype=pl.Boolean)
    phrases = (
        rows.explode("__phrases")
        .with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias("__label"))
        .with_columns(
            pl.col("__phrases").str.split(" ").alias("__parts"),
            pl.col("__words").list.len().alias("__n_words"),
        )
        .filter(_may_abbreviate(pl.col("__parts"), pl.col("__words")))
    )
    if phrases.is_empty():
        return pl.Series([False] * frame.height, dtype=pl.Boolean)
    parts = (
        phrases.select("__row", "__label", "__parts", "__words", "__n_words")
        .with_columns(pl.col("__parts").list.len().alias("__n_parts"))
        .explode("__parts")
        .with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).over("__label").alias("__part"))
        .explode("__words")
        .with_columns(
            pl.col("__words")
            .cum_count()
            .over(["__label", "__part"])
            .cast(pl.UInt32)
            .alias("__word")
        )
        .with_columns(
            _stands_for(pl.col("__parts"), pl.col("__words")).alias("__match"),
            (
                (pl.col("__parts") == pl.col("__words"))
                & (pl.col("__parts").str.len_chars() >= ANCHOR_MIN_LETTERS)
            )
            .fill_null(False)
            .alias("__anchor"),
        )
    )
    per_part = parts.group_by("__row", "__label", "__part").agg(
        pl.col("__match").any().alias("__matched"),
        pl.col("__anchor").any(),
        pl.col("__n_parts").first(),
        pl.col("__n_words").first(),
    )
    words_used = (
        parts.filter(pl.col("__match"))
        .group_by("__row", "__label")
        .agg(pl.col("__word").n_unique().alias("__used"))
    )
    labels = (
        per_part.group_by("__row", "__label")
        .agg(
            pl.col("__matched").all(),
            pl.col("__anchor").any(),
            pl.col("__n_parts").first(),
            pl.col("__n_words").first(),
        )
        .join(words_used, on=["__row", "__label"], how="left")
        .with_columns(pl.col("__used").fill_null(0))
    )
    found = labels.filter(
        pl.col("__matched")
        & pl.col("__anchor")
        & (pl.col("__n_parts") >= 2)
        & (pl.col("__used") >= pl.col("__n_parts"))
        & (pl.col("__used") == pl.col("__n_words"))
    )["__row"].unique()
    return (
        pl.int_range(frame.height, dtype=pl.UInt32, eager=True)
        .is_in(found.implode())
        .alias("abbreviated")
    )
