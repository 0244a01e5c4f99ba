"""Nickname groups: the data file, first_name_group (blocking) and first_name_groups (all)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from cleaner_frames import clean
from hypothesis import given
from hypothesis import strategies as st

from cleaners import first_name_group, first_name_groups
from cleaners.reference import read_table
from cleaners.text import transliteration_key

# Real short forms and the full names they stand for (German, Austrian, Swiss usage).
NICKNAME_PAIRS = [
    ("Bertl", "Herbert"),
    ("Herbi", "Herbert"),
    ("Nelli", "Cornelia"),
    ("Nessi", "Vanessa"),
    ("Nicki", "Nicole"),
    ("Nici", "Nicole"),
    ("Tina", "Martina"),
    ("Tina", "Christina"),
    ("Mariele", "Annemarie"),
    ("Mariele", "Maria"),
    ("Pit", "Peter"),
    ("Hubsi", "Hubert"),
    ("Loisl", "Alois"),
    ("Luis", "Alois"),
    ("Seppi", "Josef"),
    ("Didi", "Dieter"),
    ("Friedl", "Friedrich"),
    ("Flori", "Florian"),
    ("Manni", "Manfred"),
    ("Konsti", "Konstantin"),
    ("Vali", "Valentin"),
    ("Raffi", "Raphael"),
    ("Biene", "Sabine"),
    ("Elli", "Elisabeth"),
    ("Chrissi", "Christina"),
    ("Tessa", "Theresa"),
    ("Reni", "Renate"),
    ("Inge", "Ingrid"),
    ("Jule", "Julia"),
    ("Mel", "Melanie"),
    ("Meli", "Melanie"),
    ("Jassi", "Jasmin"),
    ("Jenny", "Jennifer"),
    ("Jessi", "Jessica"),
    ("Manu", "Manuela"),
    ("Manu", "Manuel"),
    ("Domi", "Dominik"),
    ("Fabi", "Fabian"),
    ("Olli", "Oliver"),
    ("Simi", "Simon"),
    ("Moni", "Monika"),
    ("Gabi", "Gabriele"),
    ("Uli", "Ulrich"),
    ("Uli", "Ulrike"),
    ("Wolfi", "Wolfgang"),
    ("Sigi", "Siegfried"),
    ("Sigi", "Sieglinde"),
    ("Gerti", "Gertrud"),
    ("Hansi", "Hans"),
    ("Franzl", "Franz"),
    ("Kathi", "Katharina"),
    ("Liesl", "Elisabeth"),
    ("Lisa", "Elisabeth"),
    ("Liesl", "Lisa"),
    ("Gretel", "Margarete"),
    ("Resi", "Theresia"),
    ("Vreni", "Verena"),
    ("Chrigi", "Christian"),
    ("Köbi", "Jakob"),
    ("Sepp", "Josef"),
    ("Jupp", "Josef"),
    ("Uschi", "Ursula"),
    ("Fritz", "Friedrich"),
    ("Bernd", "Bernhard"),
    ("Hans", "Johannes"),
    ("Andi", "Andreas"),
    ("Andi", "Andrea"),
    ("Alex", "Alexander"),
    ("Alex", "Alexandra"),
    ("Steffi", "Stefanie"),
    ("Michi", "Michael"),
    ("Michi", "Michaela"),
    ("Dani", "Daniel"),
    ("Dani", "Daniela"),
    ("Hanni", "Johanna"),
    ("Hanni", "Hannah"),
    ("Biggi", "Birgit"),
    ("Biggi", "Brigitte"),
    ("Kalle", "Karl"),
    ("Kalle", "Karl-Heinz"),
    ("Hanspeter", "Hans-Peter"),
    ("Wisi", "Alois"),  # Central Switzerland
    ("Zenzi", "Kreszenz"),  # Bavaria
    ("Poldi", "Leopold"),  # Austria
    ("Lisi", "Elisabeth"),  # Austria, Bavaria (like Liesl)
]


# English short forms (data/nicknames_en.csv, from the nicknames package).
ENGLISH_PAIRS = [
    ("Bill", "William"),
    ("Billy", "William"),
    ("Bob", "Robert"),
    ("Bobby", "Robert"),
    ("Jim", "James"),
    ("Jimmy", "James"),
    ("Peggy", "Margaret"),
    ("Maggie", "Margaret"),
    ("Dick", "Richard"),
    ("Ted", "Edward"),
    ("Ted", "Theodore"),
    ("Chuck", "Charles"),
    ("Larry", "Lawrence"),
    ("Hank", "Henry"),
    ("Debbie", "Deborah"),
    ("Kathy", "Katherine"),
    ("Steve", "Steven"),
]

# Names that must stay apart: German look-alikes and short forms of the other sex.
APART = [
    ("Lena", "Lea"),
    ("Bill", "Robert"),
    ("Jody", "Joseph"),
    ("Kit", "Katherine"),
    ("Louise", "Louis"),
    ("Erin", "Aaron"),
    ("Ann", "Nancy"),
    ("Steph", "Stephen"),
    ("Mattie", "Matthew"),
]


def _groups(name: str) -> set[str]:
    return set(first_name_groups(transliteration_key(name)) or ())


@pytest.mark.parametrize(("nickname", "full_name"), NICKNAME_PAIRS)
def test_nickname_and_full_name_share_a_group(nickname: str, full_name: str) -> None:
    assert _groups(nickname) & _groups(full_name), (nickname, full_name)


@pytest.mark.parametrize(("nickname", "full_name"), ENGLISH_PAIRS)
def test_english_nickname_and_full_name_share_a_group(nickname: str, full_name: str) -> None:
    assert _groups(nickname) & _groups(full_name), (nickname, full_name)


#: One name in another language (the native form in one silo, the German in another), and
#: Italian pet forms (data/nicknames_international.csv).
INTERNATIONAL_PAIRS = [
    ("Krzysztof", "Christoph"),
    ("Olena", "Elena"),
    ("Jelena", "Elena"),
    ("Giuseppe", "Josef"),
    ("Pino", "Giuseppe"),
    ("Toto", "Salvatore"),
    ("Salvo", "Salvatore"),
    ("Enzo", "Vincenzo"),
    ("Enzo", "Lorenzo"),
    ("Dmytro", "Dmitrij"),
    ("Grzegorz", "Gregor"),
    ("Małgorzata", "Margarete"),
    ("Oleksandr", "Alexander"),
    ("Yurii", "Georg"),
]


@pytest.mark.parametrize(("native", "other"), INTERNATIONAL_PAIRS)
def test_one_name_in_two_languages_shares_a_group(native: str, other: str) -> None:
    assert _groups(native) & _groups(other), (native, other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Andrea", "Andreas"),  # female in German-speaking countries, not Andreas's Italian form
        ("Simone", "Simon"),
        ("Pino", "Josef"),  # a pet form of Giuseppe, not of every Josef
        ("Luis", "Ludwig"),  # Luis is Alois in Austria
        ("Luca", "Lukas"),  # two popular boys' names, twins get both
        ("Marco", "Markus"),
        ("André", "Andreas"),
    ],
)
def test_forms_left_out_of_the_international_table_stay_apart(one: str, other: str) -> None:
    assert not _groups(one) & _groups(other), (one, other)


@pytest.mark.parametrize(
    ("pet_form", "full_name"),
    [("Tommi", "Thomas"), ("Andy", "Andreas"), ("Benny", "Benjamin"), ("Charli", "Karl")],
)
def test_a_pet_form_in_i_or_y_shares_the_group(pet_form: str, full_name: str) -> None:
    # German writes the diminutive -i (Tommi), English -y (Tommy); the tables list one of them.
    assert _groups(pet_form) & _groups(full_name), (pet_form, full_name)


def test_the_other_spelling_of_a_pet_form_never_joins_a_name_of_its_own() -> None:
    # "Toni" (Anton, Antonia) and "Tony" are both listed: Tony keeps its own groups; a vowel
    # before the ending is no diminutive (Davey is no "Davei").
    assert _groups("Tony") == {"anton"}
    assert first_name_groups("davei") == ("davei",)


@pytest.mark.parametrize(("one", "other"), APART)
def test_names_that_are_not_nicknames_of_each_other_stay_apart(one: str, other: str) -> None:
    assert not _groups(one) & _groups(other), (one, other)


def test_english_table_leaves_the_german_names_alone() -> None:
    german = {transliteration_key(row["name"]) for row in read_table("nicknames.csv")}
    german_canonicals = {row["canonical"] for row in read_table("nicknames.csv")}
    for row in read_table("nicknames_en.csv"):
        assert transliteration_key(row["name"]) not in german | german_canonicals, row
        assert row["canonical"] not in german - german_canonicals, row


@pytest.mark.parametrize(
    ("first_name", "group", "groups"),
    [
        ("Hans", "johannes", ("johannes",)),
        ("Johannes", "johannes", ("johannes",)),
        ("Sepp", "josef", ("josef",)),
        ("Andi", "andreas", ("andrea", "andreas")),
        ("Andrea", "andrea", ("andrea",)),
        ("Alex", "alexander", ("alexander", "alexandra")),
        ("Tina", "christina", ("bettina", "christina", "martina")),
        ("Steffi", "stefanie", ("stefanie",)),  # Steffi is Stefanie, not Stefan
        ("Michi", "michael", ("michael", "michaela")),
        ("Dani", "daniel", ("daniel", "daniela")),
        ("Hanni", "johanna", ("hannah", "hannelore", "johanna")),
        ("Biggi", "birgit", ("birgit", "brigitte")),
        ("Kalle", "karl", ("karl", "karl heinz")),
        ("Karl-Heinz", "karl heinz", ("karl heinz",)),
        ("Karlheinz", "karl heinz", ("karl heinz",)),
        ("Manu", "manuela", ("manuel", "manuela")),
        ("Sandra", "sandra", ("alexandra", "sandra")),  # a full name stays itself first
        ("Hans-Jürgen", "johannes juergen", ("johannes juergen",)),
        ("Andi Peter", "andreas peter", ("andrea peter", "andreas peter")),
        ("Zoltan", "zoltan", ("zoltan",)),
    ],
)
def test_group_and_groups(first_name: str, group: str, groups: tuple[str, ...]) -> None:
    key = transliteration_key(first_name)
    assert first_name_group(key) == group
    assert first_name_groups(key) == groups
    assert group in groups


def test_no_key_no_group() -> None:
    assert first_name_group(None) is None and first_name_groups("") is None


def test_groups_in_the_cleaned_frame() -> None:
    frame = clean({"first_name": "ANDI"}, {"first_name": "Resi"}, {"last_name": "Huber"}).frame
    assert frame["first_name_group"].to_list() == ["andreas", "theresia", None]
    assert frame["first_name_groups"].to_list() == [["andrea", "andreas"], ["theresia"], None]


def _rows() -> list[dict[str, str]]:
    return (
        list(read_table("nicknames.csv"))
        + list(read_table("nicknames_en.csv"))
        + list(read_table("nicknames_international.csv"))
    )


def test_table_has_at_least_200_groups_with_short_forms() -> None:
    canonicals = {row["canonical"] for row in _rows()}
    assert len(canonicals) >= 200
    for canonical in canonicals:
        assert canonical == transliteration_key(canonical)


def test_every_short_form_has_one_most_frequent_group() -> None:
    canonicals = {row["canonical"] for row in _rows()}
    ranks: dict[str, list[int]] = defaultdict(list)
    for row in _rows():
        key = transliteration_key(row["name"])
        assert key != row["canonical"], f"{row['name']} is its own group: drop the row"
        ranks[key].append(int(row["rank"]))
    for key, found in ranks.items():
        if key in canonicals:  # a full name is first in its own group
            assert 1 not in found, key
        else:
            assert found.count(1) == 1, (key, found)
    pairs = [(transliteration_key(row["name"]), row["canonical"]) for row in _rows()]
    assert len(pairs) == len(set(pairs)), "a row is repeated"


def test_canonical_names_are_their_own_group() -> None:
    for canonical in {row["canonical"] for row in _rows()}:
        assert first_name_group(canonical) == canonical
        assert canonical in (first_name_groups(canonical) or ())


@given(st.text())
def test_groups_never_raise_and_contain_the_group(value: str) -> None:
    key = transliteration_key(value)
    group, groups = first_name_group(key), first_name_groups(key)
    assert (group is None) == (groups is None) == (not key)
    if groups is not None:
        assert group in groups and list(groups) == sorted(set(groups))
