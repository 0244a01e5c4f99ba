"""EM estimation of match weights, checked on synthetic records whose truth is known.

``_synthetic_records`` draws entities from small name, city and date pools with a seeded numpy
generator and gives some of them duplicates with controlled noise (typos, a move, a missing
e-mail). Because every record carries its entity, the true m (level shares among true matches,
from comparing every pair of duplicates), the true u (level shares among all other pairs) and the
true share of matches among all record pairs are counted directly and compared with what
``estimate_weights`` finds without labels.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import combinations
from typing import Any

import cologne_phonetics
import numpy as np
import polars as pl
import pytest
from rapidfuzz.distance import JaroWinkler

from matching.blocking import candidate_pairs
from matching.comparisons import COMPARISONS, MISSING, compare_pairs
from matching.estimation import MAX_WEIGHT, Estimate, estimate_weights, random_pairs
from matching.scoring import MatchWeights, hard_rule_decisions, pinned_levels, score_pairs
from rules.config import HardRule, MatchingConfig
from tests.matching.conftest import build_records

LADDERS = {comparison.name: comparison.levels for comparison in COMPARISONS}
PERSON_FIELDS = ("first_name", "last_name", "birth_date", "email", "phone", "address")
# fmt: off
FIRST_NAMES = [
    "anna", "bernd", "clara", "dieter", "emma", "felix", "greta", "hannes", "ida", "jonas",
    "karla", "lukas", "mia", "niklas", "olga", "paul", "rosa", "stefan", "tanja", "ulrich",
    "vera", "werner", "xenia", "yannik",
]
LAST_NAMES = [
    "albrecht", "brandt", "conrad", "dorn", "eckert", "falk", "graf", "haas", "jung", "kraft",
    "lorenz", "mohr", "nagel", "ott", "pohl", "quast", "reich", "stark", "thiel", "vogt", "wolf",
    "zander", "beck", "fuchs", "huber", "keller", "lang", "roth",
]
CITIES = ["berlin", "hamburg", "bremen", "dresden", "leipzig", "bonn", "kiel", "ulm"]
# fmt: on

#: Noise among the duplicates of an entity (each duplicate is a noisy copy of the original).
FIRST_NAME_TYPO = 0.15
BIRTH_DATE_TYPO = 0.10
EMAIL_MISSING = 0.30
PHONE_MISSING = 0.30
MOVED = 0.15


def _phonetic(name: str) -> str:
    return str(cologne_phonetics.encode(name)[0][1])


def _swap_letters(word: str, generator: np.random.Generator) -> str:
    """Two neighbouring letters swapped (not the first, so the word stays recognizable)."""
    index = int(generator.integers(1, len(word) - 1))
    return word[:index] + word[index + 1] + word[index] + word[index + 2 :]


def _mistyped_date(day: date, generator: np.random.Generator) -> date:
    """One digit of DD.MM.YYYY changed: the last digit of the year."""
    digit = (day.year % 10 + int(generator.integers(1, 10))) % 10
    year = day.year - day.year % 10 + digit
    return day.replace(year=year, day=min(day.day, 28))


def _address(generator: np.random.Generator, city: int) -> dict[str, Any]:
    return {
        "postal_code": f"{city + 1}{int(generator.integers(1000, 10000))}",
        "city_key": CITIES[city],
        "street_key": f"strasse {int(generator.integers(300))}",
        "house_number": str(int(generator.integers(1, 120))),
    }


def _original(generator: np.random.Generator) -> dict[str, Any]:
    first = FIRST_NAMES[int(generator.integers(len(FIRST_NAMES)))]
    last = LAST_NAMES[int(generator.integers(len(LAST_NAMES)))]
    local = "".join(generator.choice(list(string.ascii_lowercase), 8))
    return {
        "record_type": "person",
        "first_name_key": first,
        "first_name_group": first,
        "first_name_phonetic": _phonetic(first),
        "last_name_key": last,
        "last_name_phonetic": _phonetic(last),
        "birth_date": date(1940, 1, 1) + timedelta(days=int(generator.integers(0, 60 * 365))),
        "emails": [f"{local}@example.de"],
        "phones": [f"+49301{int(generator.integers(10**6, 10**7))}"],
        **_address(generator, int(generator.integers(len(CITIES)))),
    }


def _noisy_copy(original: dict[str, Any], generator: np.random.Generator) -> dict[str, Any]:
    copy = dict(original)
    if generator.random() < FIRST_NAME_TYPO:
        typo = _swap_letters(original["first_name_key"], generator)
        copy |= {"first_name_key": typo, "first_name_group": None}
        copy["first_name_phonetic"] = _phonetic(typo)
    if generator.random() < BIRTH_DATE_TYPO:
        copy["birth_date"] = _mistyped_date(original["birth_date"], generator)
    if generator.random() < EMAIL_MISSING:
        copy["emails"] = None
    if generator.random() < PHONE_MISSING:
        copy["phones"] = None
    if generator.random() < MOVED:
        copy |= _address(generator, CITIES.index(original["city_key"]))
    return copy


@dataclass(frozen=True)
class Synthetic:
    records: pl.DataFrame  # the cleaned frame, one row per record
    entities: dict[str, int]  # record_key -> entity
    twins: list[tuple[str, str]]  # pairs of different entities that only the first name tells apart


def _synthetic_records(entities: int, seed: int, twins: int = 0) -> Synthetic:
    """Entities with 1-3 records each; ``twins`` extra entities copy another but the first name."""
    generator = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    entity_of: dict[str, int] = {}
    originals = []
    for entity in range(entities):
        original = _original(generator)
        originals.append(original)
        copies = 1 + int(generator.choice(3, p=[0.5, 0.35, 0.15]))
        for copy in range(copies):
            row = original if copy == 0 else _noisy_copy(original, generator)
            key = f"silo{copy}:{entity:04}"
            rows.append({"record_key": key, **row})
            entity_of[key] = entity
    twin_pairs = []
    for index in range(twins):
        sibling = originals[index]
        # A first name at comparison level "different" (other sound, Jaro-Winkler < 0.8):
        # Jonas and Hannes, say, share a phonetic code and would only be "similar".
        others = [
            name
            for name in FIRST_NAMES
            if _phonetic(name) != sibling["first_name_phonetic"]
            and JaroWinkler.normalized_similarity(name, sibling["first_name_key"]) < 0.8
        ]
        first = others[int(generator.integers(len(others)))]
        key = f"twin:{index:04}"
        twin = sibling | {
            "first_name_key": first,
            "first_name_group": first,
            "first_name_phonetic": _phonetic(first),
        }
        rows.append({"record_key": key, **twin})
        entity_of[key] = entities + index
        twin_pairs.append((f"silo0:{index:04}", key))
    return Synthetic(build_records(rows), entity_of, twin_pairs)


def _pair_frame(pairs: list[tuple[str, str]]) -> pl.DataFrame:
    ordered = [(min(pair), max(pair)) for pair in pairs]
    return pl.DataFrame(
        {
            "left_key": [left for left, _ in ordered],
            "right_key": [right for _, right in ordered],
            "rules": ["truth"] * len(ordered),
        },
        schema={"left_key": pl.String(), "right_key": pl.String(), "rules": pl.String()},
    )


def _level_shares(compared: pl.DataFrame) -> dict[str, dict[str, float]]:
    """Share of each level among the pairs where the comparison is not missing."""
    shares = {}
    for name in PERSON_FIELDS:
        levels = compared[f"{name}_level"]
        present = levels.filter(levels != MISSING)
        shares[name] = {
            label: float((present == index).sum() / present.len())
            for index, label in enumerate(LADDERS[name])
        }
    return shares


@dataclass(frozen=True)
class Truth:
    m: dict[str, dict[str, float]]
    u: dict[str, dict[str, float]]
    match_share: float


def _truth(data: Synthetic) -> Truth:
    keys = sorted(data.entities)
    matches = [
        pair for pair in combinations(keys, 2) if data.entities[pair[0]] == data.entities[pair[1]]
    ]
    every_pair = data.records.select(pl.col("record_key").alias("left_key")).join(
        data.records.select(pl.col("record_key").alias("right_key")), how="cross"
    )
    entity = pl.DataFrame(
        {"key": list(data.entities), "entity": list(data.entities.values())},
        schema={"key": pl.String(), "entity": pl.Int64()},
    )
    non_matches = (
        every_pair.filter(pl.col("left_key") < pl.col("right_key"))
        .join(entity.rename({"key": "left_key", "entity": "left"}), on="left_key")
        .join(entity.rename({"key": "right_key", "entity": "right"}), on="right_key")
        .filter(pl.col("left") != pl.col("right"))
        .select("left_key", "right_key", pl.lit("truth").alias("rules"))
    )
    count = len(keys)
    return Truth(
        m=_level_shares(compare_pairs(_pair_frame(matches), data.records)),
        u=_level_shares(compare_pairs(non_matches, data.records)),
        match_share=len(matches) / (count * (count - 1) / 2),
    )


def _compared(records: pl.DataFrame) -> pl.DataFrame:
    config = MatchingConfig()
    blocking = candidate_pairs(records, config.blocking_rules, config.max_block_size)
    return compare_pairs(blocking.pairs, records)


def _estimate(records: pl.DataFrame, compared: pl.DataFrame, **options: Any) -> Estimate:
    options = {"hard_rules": (), "seed": 7, "sample_size": 20_000} | options
    return estimate_weights(records, compared, MatchWeights.defaults(), **options)


@pytest.fixture(scope="module")
def synthetic() -> Synthetic:
    return _synthetic_records(entities=300, seed=20261125)


@pytest.fixture(scope="module")
def truth(synthetic: Synthetic) -> Truth:
    return _truth(synthetic)


@pytest.fixture(scope="module")
def compared(synthetic: Synthetic) -> pl.DataFrame:
    return _compared(synthetic.records)


@pytest.fixture(scope="module")
def estimate(synthetic: Synthetic, compared: pl.DataFrame) -> Estimate:
    return _estimate(synthetic.records, compared)


# --- the synthetic data is what the tests below assume ------------------------------------------


def test_synthetic_data_has_the_designed_truth(synthetic: Synthetic, truth: Truth) -> None:
    assert synthetic.records["record_key"].is_unique().all()
    assert 1.5 < synthetic.records.height / 300 < 1.9  # 1 + 0.35 + 2 * 0.15 = 1.65 on average
    # Duplicates are noisy copies of their original: the true m follows the noise rates.
    assert truth.m["last_name"]["exact"] == 1.0
    assert 0.7 < truth.m["first_name"]["exact"] < 0.95
    assert 0.8 < truth.m["birth_date"]["exact"] < 0.97
    assert truth.m["email"]["shared"] == 1.0
    # Random pairs rarely agree: u of exact names is about one over the pool size.
    assert truth.u["first_name"]["exact"] == pytest.approx(1 / len(FIRST_NAMES), rel=0.3)
    assert truth.u["last_name"]["exact"] == pytest.approx(1 / len(LAST_NAMES), rel=0.3)
    assert truth.u["email"]["shared"] == 0.0


# --- what EM finds without labels ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("first_name", "exact"),
        ("last_name", "exact"),
        ("birth_date", "exact"),
        ("email", "shared"),
        ("phone", "shared"),
        ("address", "house"),
    ],
)
def test_m_of_strong_agreement_is_high_and_near_the_truth(
    name: str, label: str, estimate: Estimate, truth: Truth
) -> None:
    assert estimate.m[name][label] > 0.7
    assert estimate.m[name][label] == pytest.approx(truth.m[name][label], abs=0.1)


@pytest.mark.parametrize(
    ("name", "label"),
    [("first_name", "exact"), ("last_name", "exact"), ("address", "place")],
)
def test_u_is_near_the_share_among_non_matches(
    name: str, label: str, estimate: Estimate, truth: Truth
) -> None:
    assert estimate.u[name][label] == pytest.approx(truth.u[name][label], rel=0.3)


@pytest.mark.parametrize("name", PERSON_FIELDS)
def test_agreement_weighs_more_than_disagreement(name: str, estimate: Estimate) -> None:
    weights = estimate.weights.levels[name]
    strongest, different = LADDERS[name][0], LADDERS[name][-1]
    assert weights[strongest] > 0 > weights[different]


def test_fields_that_separate_better_weigh_more(estimate: Estimate) -> None:
    # A shared e-mail (u ~ 0) says more than the same last name (u ~ 1/28).
    levels = estimate.weights.levels
    assert levels["email"]["shared"] > levels["last_name"]["exact"]
    assert levels["birth_date"]["exact"] > levels["first_name"]["exact"]


def test_weights_are_log2_of_m_over_u_within_the_clamp(estimate: Estimate) -> None:
    defaults = MatchWeights.defaults()
    pinned = pinned_levels()
    for comparison in COMPARISONS:
        if comparison.name in estimate.defaults_kept:
            # too little evidence (no organisations in these records): the defaults stay
            assert estimate.weights.levels[comparison.name] == defaults.levels[comparison.name]
            continue
        for label in comparison.levels:
            if label in pinned.get(comparison.name, ()):
                assert (
                    estimate.weights.levels[comparison.name][label]
                    == defaults.levels[comparison.name][label]
                )
                continue
            m, u = estimate.m[comparison.name][label], estimate.u[comparison.name][label]
            expected = float(np.clip(np.log2(m / u), -MAX_WEIGHT, MAX_WEIGHT))
            assert estimate.weights.levels[comparison.name][label] == pytest.approx(expected)
    for name, shares in [*estimate.m.items(), *estimate.u.items()]:
        assert sum(shares.values()) == pytest.approx(1.0), name


def test_match_share_is_within_a_factor_of_two_of_the_truth(
    estimate: Estimate, truth: Truth
) -> None:
    assert truth.match_share / 2 < estimate.match_share < truth.match_share * 2
    share = estimate.match_share
    assert estimate.weights.prior == pytest.approx(np.log2(share / (1 - share)))
    assert estimate.iterations < 40  # converged before the cap of max_iterations


def test_estimated_weights_separate_matches_from_non_matches(
    synthetic: Synthetic, compared: pl.DataFrame, estimate: Estimate
) -> None:
    # The point of it all: scored with the estimated weights, duplicates rank above the rest.
    scored = score_pairs(compared, estimate.weights)
    is_match = [
        synthetic.entities[left] == synthetic.entities[right]
        for left, right in zip(scored["left_key"], scored["right_key"], strict=True)
    ]
    predicted = (scored["probability"] >= 0.9).to_list()
    true_positives = sum(p and t for p, t in zip(predicted, is_match, strict=True))
    assert true_positives / sum(predicted) > 0.95
    assert true_positives / sum(is_match) > 0.9


def test_u_is_corrected_for_the_matches_among_random_pairs() -> None:
    # 30 entities, 49 records: about 2% of all pairs are matches, so the random sample holds
    # matches too (they share e-mails and last names). u must describe the non-matches only.
    data = _synthetic_records(entities=30, seed=5)
    truth = _truth(data)
    estimate = _estimate(
        data.records,
        _compared(data.records),
        sample_size=5_000,
        min_candidate_pairs=0,
        min_evidence=0,
    )
    sample = random_pairs(data.records["record_key"], 5_000, seed=7)
    sampled = _level_shares(
        compare_pairs(sample.with_columns(pl.lit("").alias("rules")), data.records)
    )
    assert sampled["email"]["shared"] > 0.01
    assert estimate.u["email"]["shared"] < sampled["email"]["shared"] / 5
    raw_error = abs(sampled["last_name"]["exact"] - truth.u["last_name"]["exact"])
    error = abs(estimate.u["last_name"]["exact"] - truth.u["last_name"]["exact"])
    assert error < raw_error / 3


def test_same_seed_gives_the_same_estimate(synthetic: Synthetic, compared: pl.DataFrame) -> None:
    # Byte for byte (house rule), also when the candidate pairs arrive in another order.
    first = _estimate(synthetic.records, compared, seed=3)
    for shuffle in range(4):
        again = _estimate(synthetic.records, compared.sample(fraction=1.0, seed=shuffle), seed=3)
        assert again == first


def test_the_seed_is_used(synthetic: Synthetic, compared: pl.DataFrame) -> None:
    one = _estimate(synthetic.records, compared, seed=1)
    two = _estimate(synthetic.records, compared, seed=2)
    assert one.u != two.u


# --- pairs decided by hard rules: a known posterior in the EM ----------------------------------


@pytest.fixture(scope="module")
def with_twins() -> tuple[Synthetic, pl.DataFrame]:
    data = _synthetic_records(entities=300, seed=20261125, twins=60)
    return data, _compared(data.records)


def test_twins_are_candidates_decided_by_the_default_hard_rules(
    with_twins: tuple[Synthetic, pl.DataFrame],
) -> None:
    data, compared = with_twins
    decided = compared.with_columns(hard_rule_decisions(compared, MatchingConfig().hard_rules))
    twins = decided.join(_pair_frame(data.twins).drop("rules"), on=["left_key", "right_key"])
    assert twins.height == len(data.twins)
    assert twins["hard_decision"].to_list() == [-1] * len(data.twins)


def test_pairs_a_no_match_rule_decides_do_not_change_the_estimate(
    with_twins: tuple[Synthetic, pl.DataFrame],
) -> None:
    data, compared = with_twins
    rules = [rule for rule in MatchingConfig().hard_rules if rule.then == "no_match"]
    kept = compared.filter(hard_rule_decisions(compared, rules)["hard_decision"].is_null())
    assert kept.height < compared.height
    with_them = _estimate(data.records, compared, hard_rules=rules)
    without = _estimate(data.records, kept, hard_rules=rules)
    assert with_them.match_share == pytest.approx(without.match_share, rel=1e-9)
    for name, levels in with_them.weights.levels.items():
        assert levels == pytest.approx(without.weights.levels[name], abs=1e-9), name


def test_pairs_a_match_rule_decides_teach_m(
    synthetic: Synthetic, compared: pl.DataFrame, truth: Truth
) -> None:
    # "Same e-mail -> match" decides exactly the pairs whose e-mails agree. Left out of the EM,
    # they would hide every e-mail agreement among matches and m(shared) would collapse.
    rule = [HardRule(when=["email:shared"], then="match", record_type="person")]
    decided = compared.with_columns(hard_rule_decisions(compared, rule))
    assert (decided["hard_decision"] == 1).sum() > 50
    estimate = _estimate(synthetic.records, compared, hard_rules=rule)
    assert estimate.m["email"]["shared"] == pytest.approx(truth.m["email"]["shared"], abs=0.1)
    left_out = _estimate(
        synthetic.records,
        decided.filter(pl.col("hard_decision").is_null()).drop("hard_decision", "hard_rule"),
    )
    assert left_out.m["email"]["shared"] < estimate.m["email"]["shared"] - 0.5


def test_without_the_hard_rules_twins_teach_m_that_first_names_may_differ(
    with_twins: tuple[Synthetic, pl.DataFrame],
) -> None:
    # The reason for leaving them out: 60 twin pairs agree on everything but the first name.
    data, compared = with_twins
    no_match_rule = [rule for rule in MatchingConfig().hard_rules if rule.then == "no_match"]
    kept_out = _estimate(data.records, compared, hard_rules=no_match_rule)
    learnt_from = _estimate(data.records, compared)
    assert kept_out.m["first_name"]["different"] < 0.05
    assert learnt_from.m["first_name"]["different"] > 0.1
    assert (
        learnt_from.weights.levels["first_name"]["different"]
        > kept_out.weights.levels["first_name"]["different"] + 2
    )


# --- random pairs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "count", "size"),
    [
        ("many records, small sample", 500, 300),
        ("few records, sample larger than all pairs", 5, 1_000),
        ("two records", 2, 50),
    ],
)
def test_random_pairs_are_distinct_ordered_pairs_of_the_given_keys(
    description: str, count: int, size: int
) -> None:
    # Keys in a shuffled order: the pairs are ordered by key, not by position.
    keys = [f"k:{index:04}" for index in np.random.default_rng(0).permutation(count)]
    pairs = random_pairs(pl.Series(keys), size, seed=11)
    assert pairs.columns == ["left_key", "right_key"]
    assert 0 < pairs.height <= min(size, count * (count - 1) // 2), description
    rows = pairs.rows()
    assert len(set(rows)) == len(rows)
    assert all(left < right for left, right in rows)
    assert set(pairs["left_key"]) | set(pairs["right_key"]) <= set(keys)


def test_random_pairs_from_a_large_sample_cover_all_pairs_of_a_few_records() -> None:
    pairs = random_pairs(pl.Series(["c", "a", "b"]), 1_000, seed=0)
    assert sorted(pairs.rows()) == [("a", "b"), ("a", "c"), ("b", "c")]


def test_random_pairs_depend_on_the_seed_only() -> None:
    keys = pl.Series([f"k:{index}" for index in range(200)])
    assert random_pairs(keys, 100, seed=5).equals(random_pairs(keys, 100, seed=5))
    assert random_pairs(keys, 100, seed=5).equals(random_pairs(keys.reverse(), 100, seed=5))
    assert not random_pairs(keys, 100, seed=5).equals(random_pairs(keys, 100, seed=6))


@pytest.mark.parametrize("keys", [[], ["only"]])
def test_random_pairs_of_fewer_than_two_records_are_empty(keys: list[str]) -> None:
    pairs = random_pairs(pl.Series(keys, dtype=pl.String()), 100, seed=0)
    assert pairs.height == 0
    assert pairs.schema == pl.Schema({"left_key": pl.String(), "right_key": pl.String()})


def test_too_little_evidence_keeps_the_default_weights(synthetic: Synthetic) -> None:
    few = synthetic.records.head(12)
    estimate = _estimate(few, _compared(few))
    assert estimate.weights == MatchWeights.defaults()
    assert set(estimate.defaults_kept) == {c.name for c in COMPARISONS}


def test_sparse_comparisons_keep_defaults_while_the_others_are_estimated(
    estimate: Estimate,
) -> None:
    assert "organisation" in estimate.defaults_kept and "vat_id" in estimate.defaults_kept
    assert "first_name" not in estimate.defaults_kept
