"""The auction resolver: who wins, what they pay, and the sentence that explains a tie (DESIGN.md §6 "Auctions")."""

import datetime as dt
import itertools
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dkp.loot.resolver import Bid, Rules, TieBreak, resolve

T0 = dt.datetime(2026, 11, 12, 20, 14, 3, tzinfo=dt.UTC)
SEED = 1234


def bid(bid_id: int, name: str, amount: int, *, tag: str = "main", second: int = 0, attendance: str = "50") -> Bid:
    """A bid placed ``second`` seconds after T0 (20:14:03 UTC); the bidder's user id is the bid id plus 100."""
    return Bid(
        bid_id=bid_id,
        user_id=100 + bid_id,
        name=name,
        amount=amount,
        tag=tag,
        placed_at=T0 + dt.timedelta(seconds=second),
        attendance_30=Decimal(attendance),
    )


def by_name(bids: list[Bid], bid_ids: tuple[int, ...] | list[int]) -> list[str]:
    names = {b.bid_id: b.name for b in bids}
    return [names[bid_id] for bid_id in bid_ids]


@dataclass
class Case:
    id: str
    bids: list[Bid]
    winners: list[str]  # who wins, best first
    prices: list[int]  # what each winner pays, in the same order
    price: int | None  # the one second price, or None
    rules: Rules = field(default_factory=Rules)
    quantity: int = 1
    ranking: list[str] | None = None  # everyone ranked, when the case is about who counts at all
    ties: list[tuple[str, str, str]] = field(default_factory=list)  # (ranked above, ranked below, decided_by)


CASES = [
    Case("no bids: the item rots and nobody pays", bids=[], winners=[], prices=[], price=None, ranking=[]),
    Case(
        "an unopposed bid pays the minimum",
        rules=Rules(minimum_bid=5),
        bids=[bid(1, "Aelrin", 40)],
        winners=["Aelrin"],
        prices=[5],
        price=5,
    ),
    Case(
        "an unopposed bid with a minimum of 0 pays 1",
        rules=Rules(minimum_bid=0),
        bids=[bid(1, "Aelrin", 40)],
        winners=["Aelrin"],
        prices=[1],
        price=1,
    ),
    Case(
        "second price: the winner pays the losing bid plus 1",
        bids=[bid(1, "Aelrin", 40), bid(2, "Borin", 25)],
        winners=["Aelrin"],
        prices=[26],
        price=26,
        ranking=["Aelrin", "Borin"],
    ),
    Case(
        "second price with an increment: the losing bid plus the increment",
        rules=Rules(bid_increment=5),
        bids=[bid(1, "Aelrin", 40), bid(2, "Borin", 25)],
        winners=["Aelrin"],
        prices=[30],
        price=30,
    ),
    Case(
        "second price is capped at the winner's own bid",
        rules=Rules(bid_increment=5),
        bids=[bid(1, "Aelrin", 40), bid(2, "Borin", 38)],
        winners=["Aelrin"],
        prices=[40],
        price=40,
    ),
    Case(
        "a tie at the top: the winner pays the tied amount",
        bids=[bid(1, "Aelrin", 30, attendance="40"), bid(2, "Borin", 30, attendance="60")],
        winners=["Borin"],
        prices=[30],
        price=30,
        ties=[("Borin", "Aelrin", "attendance")],
    ),
    Case(
        "first price: the winner pays their own bid",
        rules=Rules(price_rule="first_price"),
        bids=[bid(1, "Aelrin", 40), bid(2, "Borin", 25)],
        winners=["Aelrin"],
        prices=[40],
        price=None,
    ),
    Case(
        "first price with two copies: each winner pays their own bid",
        rules=Rules(price_rule="first_price", minimum_bid=5),
        quantity=2,
        bids=[bid(1, "Aelrin", 40), bid(2, "Borin", 25), bid(3, "Cyra", 10)],
        winners=["Aelrin", "Borin"],
        prices=[40, 25],
        price=None,
    ),
    Case(
        "first price unopposed: the winner still pays their own bid",
        rules=Rules(price_rule="first_price", minimum_bid=5),
        bids=[bid(1, "Aelrin", 40)],
        winners=["Aelrin"],
        prices=[40],
        price=None,
    ),
    Case(
        "two copies, three bids: both winners pay the third bid plus the increment",
        rules=Rules(bid_increment=5),
        quantity=2,
        bids=[bid(1, "Aelrin", 50), bid(2, "Borin", 40), bid(3, "Cyra", 20)],
        winners=["Aelrin", "Borin"],
        prices=[25, 25],
        price=25,
    ),
    Case(
        "two copies with a tie at the cut, decided by attendance",
        quantity=2,
        bids=[
            bid(1, "Aelrin", 50),
            bid(2, "Borin", 30, attendance="40"),
            bid(3, "Cyra", 30, attendance="70"),
        ],
        winners=["Aelrin", "Cyra"],
        prices=[30, 30],
        price=30,
        ranking=["Aelrin", "Cyra", "Borin"],
        ties=[("Cyra", "Borin", "attendance")],
    ),
    Case(
        "two copies with a tie at the cut, decided by the earlier bid",
        quantity=2,
        bids=[bid(1, "Aelrin", 50), bid(2, "Borin", 30, second=9), bid(3, "Cyra", 30, second=2)],
        winners=["Aelrin", "Cyra"],
        prices=[30, 30],
        price=30,
        ties=[("Cyra", "Borin", "earlier_bid")],
    ),
    Case(
        "two copies with a tie at the cut, decided by the seeded draw",
        quantity=2,
        bids=[bid(1, "Aelrin", 50), bid(2, "Borin", 30), bid(3, "Cyra", 30)],
        winners=["Aelrin", "Borin"],
        prices=[30, 30],
        price=30,
        ties=[("Borin", "Cyra", "draw")],
    ),
    Case(
        "a three-way tie: attendance first, then time, then the draw",
        quantity=2,
        bids=[
            bid(1, "Aelrin", 30, attendance="20", second=0),
            bid(2, "Borin", 30, attendance="90", second=8),
            bid(3, "Cyra", 30, attendance="20", second=4),
        ],
        winners=["Borin", "Aelrin"],
        prices=[30, 30],
        price=30,
        ties=[("Borin", "Aelrin", "attendance"), ("Aelrin", "Cyra", "earlier_bid")],
    ),
    Case(
        "more copies than bids: everyone wins at the minimum",
        rules=Rules(minimum_bid=5),
        quantity=3,
        bids=[bid(1, "Aelrin", 40), bid(2, "Borin", 12)],
        winners=["Aelrin", "Borin"],
        prices=[5, 5],
        price=5,
    ),
    Case(
        "as many copies as bids: everyone wins at the minimum",
        rules=Rules(minimum_bid=5),
        quantity=2,
        bids=[bid(1, "Aelrin", 40), bid(2, "Borin", 12)],
        winners=["Aelrin", "Borin"],
        prices=[5, 5],
        price=5,
    ),
    Case(
        "a tag cap clamps an alt's bid, so a smaller main bid beats it",
        rules=Rules(tag_caps={"alt": 10}),
        bids=[bid(1, "Aelrin", 50, tag="alt"), bid(2, "Borin", 12)],
        winners=["Borin"],
        prices=[11],
        price=11,
    ),
    Case(
        "a capped alt that still wins pays from its clamped bid",
        rules=Rules(tag_caps={"alt": 10}, price_rule="first_price"),
        bids=[bid(1, "Aelrin", 50, tag="alt"), bid(2, "Borin", 8)],
        winners=["Aelrin"],
        prices=[10],
        price=None,
    ),
    Case(
        "a capped alt tied with a main goes to the tie-break, not to the bigger raw bid",
        rules=Rules(tag_caps={"alt": 10}),
        bids=[bid(1, "Aelrin", 50, tag="alt", attendance="30"), bid(2, "Borin", 10, attendance="45")],
        winners=["Borin"],
        prices=[10],
        price=10,
        ties=[("Borin", "Aelrin", "attendance")],
    ),
    Case(
        "mains outrank: a main bidding 10 beats an alt bidding 50 and pays no more than 10",
        rules=Rules(mains_outrank=True),
        bids=[bid(1, "Aelrin", 50, tag="alt"), bid(2, "Borin", 10)],
        winners=["Borin"],
        prices=[10],
        price=10,
        ranking=["Borin", "Aelrin"],
    ),
    Case(
        "mains outrank off: the alt bidding 50 wins",
        rules=Rules(mains_outrank=False),
        bids=[bid(1, "Aelrin", 50, tag="alt"), bid(2, "Borin", 10)],
        winners=["Aelrin"],
        prices=[11],
        price=11,
    ),
    Case(
        "mains outrank: alts and boxes rank equally, so the bigger box bid beats the alt",
        rules=Rules(mains_outrank=True),
        bids=[bid(1, "Aelrin", 20, tag="alt"), bid(2, "Borin", 30, tag="box")],
        winners=["Borin"],
        prices=[21],
        price=21,
    ),
    Case(
        "mains outrank: an equal alt and box go to the tie-break, but a main above them does not",
        rules=Rules(mains_outrank=True),
        bids=[
            bid(1, "Aelrin", 20, tag="alt", attendance="10"),
            bid(2, "Borin", 20, tag="box", attendance="80"),
            bid(3, "Cyra", 20, tag="main", attendance="5"),
        ],
        winners=["Cyra"],
        prices=[20],
        price=20,
        ranking=["Cyra", "Borin", "Aelrin"],
        ties=[("Borin", "Aelrin", "attendance")],
    ),
    Case(
        "mains outrank with two copies: the main and the best alt win, both capped at the main's bid",
        rules=Rules(mains_outrank=True),
        quantity=2,
        bids=[bid(1, "Aelrin", 50, tag="alt"), bid(2, "Borin", 10), bid(3, "Cyra", 40, tag="alt")],
        winners=["Borin", "Aelrin"],
        prices=[10, 10],
        price=10,
    ),
    Case(
        "mains outrank: the price comes from the highest losing bid, an alt's, not from the next main's",
        rules=Rules(mains_outrank=True),
        bids=[bid(1, "Aelrin", 40), bid(2, "Borin", 10), bid(3, "Cyra", 30, tag="alt")],
        winners=["Aelrin"],
        prices=[31],
        price=31,
        ranking=["Aelrin", "Borin", "Cyra"],
    ),
    Case(
        "bids under the minimum are ignored, leaving the winner unopposed",
        rules=Rules(minimum_bid=10),
        bids=[bid(1, "Aelrin", 30), bid(2, "Borin", 5)],
        winners=["Aelrin"],
        prices=[10],
        price=10,
        ranking=["Aelrin"],
    ),
    Case(
        "a bid its tag cap pulls under the minimum is ignored",
        rules=Rules(minimum_bid=10, tag_caps={"box": 5}),
        bids=[bid(1, "Aelrin", 50, tag="box"), bid(2, "Borin", 12)],
        winners=["Borin"],
        prices=[10],
        price=10,
        ranking=["Borin"],
    ),
    Case(
        "only bids under the minimum: the item rots",
        rules=Rules(minimum_bid=10),
        bids=[bid(1, "Aelrin", 9), bid(2, "Borin", 5)],
        winners=[],
        prices=[],
        price=None,
        ranking=[],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_resolver_table(case: Case) -> None:
    resolution = resolve(rules=case.rules, quantity=case.quantity, bids=case.bids, seed=SEED)

    assert by_name(case.bids, [award.bid_id for award in resolution.awards]) == case.winners
    assert [award.price for award in resolution.awards] == case.prices
    assert resolution.price == case.price
    users = {b.bid_id: b.user_id for b in case.bids}
    assert all(award.user_id == users[award.bid_id] for award in resolution.awards)
    if case.ranking is not None:
        assert by_name(case.bids, resolution.ranking) == case.ranking
    ties = [
        (*by_name(case.bids, [tie.winner_bid_id, tie.loser_bid_id]), tie.decided_by) for tie in resolution.tie_breaks
    ]
    assert ties == case.ties


EASTERN = dt.timezone(dt.timedelta(hours=-5))


@pytest.mark.parametrize(
    ("bids", "expected"),
    [
        pytest.param(
            [bid(1, "Borin", 30, attendance="30"), bid(2, "Aelrin", 30, attendance="42.5")],
            TieBreak(2, 1, "attendance", "Aelrin's 30-day attendance 42.50% beat Borin's 30.00%."),
            id="attendance",
        ),
        pytest.param(
            [bid(1, "Borin", 30, second=6), bid(2, "Aelrin", 30)],
            TieBreak(
                2,
                1,
                "earlier_bid",
                "Aelrin and Borin tied on amount and attendance; "
                "Aelrin bid first, at 20:14:03 UTC, before Borin at 20:14:09 UTC.",
            ),
            id="earlier bid",
        ),
        pytest.param(
            [
                Bid(1, 101, "Borin", 30, "main", (T0 + dt.timedelta(seconds=6)).astimezone(EASTERN), Decimal("50")),
                Bid(2, 102, "Aelrin", 30, "main", T0.astimezone(EASTERN), Decimal("50")),
            ],
            TieBreak(
                2,
                1,
                "earlier_bid",
                "Aelrin and Borin tied on amount and attendance; "
                "Aelrin bid first, at 20:14:03 UTC, before Borin at 20:14:09 UTC.",
            ),
            id="earlier bid placed in another time zone is told in UTC",
        ),
        pytest.param(
            [
                Bid(1, 101, "Borin", 30, "main", T0 + dt.timedelta(microseconds=400_000), Decimal("50")),
                Bid(2, 102, "Aelrin", 30, "main", T0 + dt.timedelta(microseconds=150_000), Decimal("50")),
            ],
            TieBreak(
                2,
                1,
                "earlier_bid",
                "Aelrin and Borin tied on amount and attendance; "
                "Aelrin bid first, at 20:14:03.150000 UTC, before Borin at 20:14:03.400000 UTC.",
            ),
            id="earlier bid within the same second shows the fraction",
        ),
        pytest.param(
            [bid(1, "Aelrin", 30), bid(2, "Borin", 30)],
            TieBreak(
                1,
                2,
                "draw",
                "Aelrin and Borin tied on amount, attendance and time; a random draw (seed 1234) chose Aelrin.",
            ),
            id="draw",
        ),
    ],
)
def test_tie_break_sentences_name_both_bidders_and_what_separated_them(bids: list[Bid], expected: TieBreak) -> None:
    resolution = resolve(rules=Rules(), quantity=1, bids=bids, seed=SEED)

    assert resolution.tie_breaks == (expected,)
    assert resolution.awards[0].bid_id == expected.winner_bid_id


def test_bids_that_differ_in_amount_need_no_tie_break() -> None:
    resolution = resolve(
        rules=Rules(), quantity=1, bids=[bid(1, "Aelrin", 31, attendance="1"), bid(2, "Borin", 30)], seed=SEED
    )

    assert resolution.tie_breaks == ()
    assert resolution.draws == {}


MIXED_BIDS = [
    bid(1, "Aelrin", 50),
    bid(2, "Borin", 30),
    bid(3, "Cyra", 30),
    bid(4, "Dorn", 30, attendance="70"),
    bid(5, "Eshe", 30, second=5),
]


@pytest.mark.parametrize("quantity", [1, 2, 3])
def test_the_same_bids_in_any_order_resolve_the_same(quantity: int) -> None:
    expected = resolve(rules=Rules(), quantity=quantity, bids=MIXED_BIDS, seed=SEED)

    for order in itertools.permutations(MIXED_BIDS):
        assert resolve(rules=Rules(), quantity=quantity, bids=list(order), seed=SEED) == expected


def test_the_seed_decides_a_draw_and_the_same_seed_decides_it_again() -> None:
    bids = [bid(1, "Aelrin", 30), bid(2, "Borin", 30)]

    def winner(seed: int) -> list[str]:
        resolution = resolve(rules=Rules(), quantity=1, bids=bids, seed=seed)
        return by_name(bids, [award.bid_id for award in resolution.awards])

    assert winner(0) == ["Aelrin"]
    assert winner(1) == ["Borin"]
    assert winner(0) == ["Aelrin"]
    assert winner(1) == ["Borin"]


def test_the_draw_gives_each_bid_a_seeded_number_in_bid_id_order_and_the_highest_wins() -> None:
    bids = [bid(7, "Gale", 30), bid(3, "Cyra", 30), bid(5, "Eshe", 30)]
    draw = random.Random(99)
    numbers = {bid_id: draw.random() for bid_id in (3, 5, 7)}

    resolution = resolve(rules=Rules(), quantity=1, bids=bids, seed=99)

    assert resolution.draws == numbers
    assert list(resolution.ranking) == sorted(numbers, key=numbers.__getitem__, reverse=True)


def test_draws_record_only_the_bids_tied_on_everything_before_the_draw() -> None:
    resolution = resolve(rules=Rules(), quantity=2, bids=MIXED_BIDS, seed=SEED)

    # Dorn (better attendance) and Eshe (later bid) tie with Borin and Cyra on amount only.
    assert by_name(MIXED_BIDS, sorted(resolution.draws)) == ["Borin", "Cyra"]
    assert by_name(MIXED_BIDS, resolution.ranking)[:2] == ["Aelrin", "Dorn"]
    assert by_name(MIXED_BIDS, resolution.ranking)[-1] == "Eshe"


def test_as_json_is_the_outcome_an_auction_stores() -> None:
    bids = [bid(1, "Aelrin", 40), bid(2, "Borin", 25), bid(3, "Cyra", 25)]
    resolution = resolve(rules=Rules(), quantity=1, bids=bids, seed=0)

    outcome = json.loads(json.dumps(resolution.as_json()))

    draw = random.Random(0)
    numbers = {bid_id: draw.random() for bid_id in (1, 2, 3)}
    assert numbers[2] > numbers[3]  # seed 0 puts Borin above Cyra
    assert outcome == {
        "awards": [{"bid_id": 1, "user_id": 101, "price": 26}],
        "ranking": [1, 2, 3],
        "price": 26,
        "tie_breaks": [
            {
                "winner_bid_id": 2,
                "loser_bid_id": 3,
                "decided_by": "draw",
                "detail": "Borin and Cyra tied on amount, attendance and time; a random draw (seed 0) chose Borin.",
            }
        ],
        "draws": {"2": numbers[2], "3": numbers[3]},
    }


def test_as_json_of_a_first_price_auction_has_no_single_price() -> None:
    resolution = resolve(rules=Rules(price_rule="first_price"), quantity=1, bids=[bid(1, "Aelrin", 40)], seed=SEED)

    assert json.loads(json.dumps(resolution.as_json()))["price"] is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param({}, Rules(), id="nothing stored: the defaults"),
        pytest.param(
            {
                "price_rule": "first_price",
                "minimum_bid": 5,
                "bid_increment": 5,
                "tag_caps": {"alt": 10, "box": 5},
                "mains_outrank": True,
                "visibility": "open",
            },
            Rules(
                price_rule="first_price",
                minimum_bid=5,
                bid_increment=5,
                tag_caps={"alt": 10, "box": 5},
                mains_outrank=True,
                visibility="open",
            ),
            id="everything stored",
        ),
        pytest.param(
            {"tag_caps": {"alt": "10", "box": 5.0}, "minimum_bid": "3"},
            Rules(tag_caps={"alt": 10, "box": 5}, minimum_bid=3),
            id="numbers stored as text or floats become whole numbers",
        ),
        pytest.param(
            {"tag_caps": None, "price_rule": None, "minimum_bid": None},
            Rules(),
            id="nulls take the defaults",
        ),
    ],
)
def test_rules_from_an_auctions_stored_json(data: dict[str, object], expected: Rules) -> None:
    rules = Rules.from_json(data)

    assert rules == expected
    assert all(type(cap) is int for cap in rules.tag_caps.values())


def test_rules_copied_from_a_pool_round_trip() -> None:
    rules = Rules(minimum_bid=2, bid_increment=2, tag_caps={"alt": 10}, mains_outrank=True, visibility="open")

    assert Rules.from_json(json.loads(json.dumps(rules.__dict__))) == rules


@pytest.mark.parametrize("quantity", [0, -1])
def test_an_auction_needs_at_least_one_copy(quantity: int) -> None:
    with pytest.raises(ValueError, match="at least one copy"):
        resolve(rules=Rules(), quantity=quantity, bids=[bid(1, "Aelrin", 10)], seed=SEED)


def test_an_unknown_price_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown price rule 'third_price'"):
        resolve(rules=Rules(price_rule="third_price"), quantity=1, bids=[bid(1, "Aelrin", 10)], seed=SEED)


def test_a_bid_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="bid ids repeat"):
        resolve(rules=Rules(), quantity=1, bids=[bid(1, "Aelrin", 10), bid(1, "Aelrin", 10)], seed=SEED)


# Property: for any rules and bids, the winners and prices keep the promises in DESIGN.md §6.

TAGS = ("main", "alt", "box")

rules_strategy = st.builds(
    Rules,
    price_rule=st.sampled_from(["second_price", "first_price"]),
    minimum_bid=st.integers(0, 20),
    bid_increment=st.integers(0, 5),
    tag_caps=st.dictionaries(st.sampled_from(TAGS), st.integers(0, 40)),
    mains_outrank=st.booleans(),
)


@st.composite
def bids_strategy(draw: st.DrawFn) -> list[Bid]:
    bid_ids = draw(st.lists(st.integers(1, 10_000), max_size=8, unique=True))
    return [
        Bid(
            bid_id=bid_id,
            user_id=bid_id,
            name=f"Bidder{bid_id}",
            # Few distinct amounts, attendances and times, so ties of every kind turn up.
            amount=draw(st.integers(1, 50)),
            tag=draw(st.sampled_from(TAGS)),
            placed_at=T0 + dt.timedelta(seconds=draw(st.integers(0, 3))),
            attendance_30=draw(st.sampled_from([Decimal("0"), Decimal("42.50"), Decimal("100")])),
        )
        for bid_id in bid_ids
    ]


@given(
    rules=rules_strategy,
    quantity=st.integers(1, 4),
    bids=bids_strategy(),
    seed=st.integers(-(2**63), 2**63 - 1),
    data=st.data(),
)
def test_winners_and_prices_keep_the_auction_rules(
    rules: Rules, quantity: int, bids: list[Bid], seed: int, data: st.DataObject
) -> None:
    def effective(b: Bid) -> int:
        cap = rules.tag_caps.get(b.tag)
        return b.amount if cap is None else min(b.amount, cap)

    def standing(b: Bid) -> tuple[bool, int]:
        return (rules.mains_outrank and b.tag == "main", effective(b))

    eligible = {b.bid_id: b for b in bids if effective(b) >= max(rules.minimum_bid, 1)}

    resolution = resolve(rules=rules, quantity=quantity, bids=bids, seed=seed)

    assert sorted(resolution.ranking) == sorted(eligible)
    assert len(resolution.awards) == min(quantity, len(eligible))
    winner_ids = [award.bid_id for award in resolution.awards]
    assert winner_ids == list(resolution.ranking[: len(winner_ids)])
    for award in resolution.awards:
        assert award.user_id == eligible[award.bid_id].user_id
        assert award.price <= effective(eligible[award.bid_id])
    if rules.price_rule == "second_price":
        assert {award.price for award in resolution.awards} == ({resolution.price} if resolution.awards else set())
        if resolution.awards:
            assert resolution.price is not None
            assert resolution.price >= max(rules.minimum_bid, 1)
    else:
        assert resolution.price is None
        assert all(award.price == effective(eligible[award.bid_id]) for award in resolution.awards)
    losers = [eligible[bid_id] for bid_id in resolution.ranking[len(winner_ids) :]]
    for winner in (eligible[bid_id] for bid_id in winner_ids):
        assert all(standing(winner) >= standing(loser) for loser in losers)
    assert set(resolution.draws) <= set(eligible)

    shuffled = data.draw(st.permutations(bids))
    assert resolve(rules=rules, quantity=quantity, bids=shuffled, seed=seed) == resolution
