"""What the loot master types in raid chat and what raiders tell, cut into actions (no server)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dkp.companion.commands import (
    BadCommand,
    CancelAuction,
    CloseAuction,
    OpenAuction,
    TellBid,
    TellReading,
    TellRefusal,
    Words,
    announcement,
    read_raid_command,
    read_tell,
    tell_back,
)

OPEN = ["Cloak of Flames", "Mask of Tinkering", "Flames"]


def test_raid_chat_opens_closes_and_cancels_in_any_case() -> None:
    assert read_raid_command("!bids open Cloak of Flames") == OpenAuction("Cloak of Flames", 1, "")
    assert read_raid_command("!BIDS Open  Cloak  of Flames  !2 || tanks first ") == OpenAuction(
        "Cloak of Flames", 2, "tanks first"
    )
    assert read_raid_command("!bids closed Cloak of Flames") == CloseAuction("Cloak of Flames")
    assert read_raid_command("!bids close cloak of flames") == CloseAuction("cloak of flames")
    assert read_raid_command("!bids cancel Cloak of Flames") == CancelAuction("Cloak of Flames")


def test_other_raid_chat_is_no_command() -> None:
    assert read_raid_command("inc in 5, everyone buff up") is None
    assert read_raid_command("!bidsopen Cloak") is None
    assert read_raid_command("") is None


def test_a_command_that_says_nothing_doable_says_why() -> None:
    assert read_raid_command("!bids") == BadCommand("Say what to do: !bids open <item>.")
    assert read_raid_command("!bids open") == BadCommand("Name the item: !bids open <item> [!copies] [|| note].")
    assert read_raid_command("!bids open !3") == BadCommand("Name the item: !bids open <item> [!copies] [|| note].")
    assert read_raid_command("!bids open Cloak !0") == BadCommand("!0 copies: say from !1 to !100.")
    assert read_raid_command("!bids shut Cloak") == BadCommand("!bids shut: the words are open, closed, close, cancel.")


def test_the_words_are_the_guilds_own() -> None:
    words = Words(prefix="!loot", open=("start",), close=("end",), cancel=("drop",))
    assert read_raid_command("!loot start Cloak of Flames !2", words) == OpenAuction("Cloak of Flames", 2, "")
    assert read_raid_command("!loot end Cloak of Flames", words) == CloseAuction("Cloak of Flames")
    assert read_raid_command("!loot drop Cloak of Flames", words) == CancelAuction("Cloak of Flames")
    assert read_raid_command("!bids open Cloak of Flames", words) is None


def test_a_tell_is_one_bid_per_open_item_it_names_with_its_tag() -> None:
    assert read_tell("Cloak of Flames 45", OPEN) == TellReading(bids=(TellBid("Cloak of Flames", "45", None),))
    assert read_tell("cloak of flames 45 ALT", OPEN) == TellReading(bids=(TellBid("Cloak of Flames", "45", "alt"),))
    assert read_tell("Cloak of Flames 45, Mask of Tinkering 30 box", OPEN) == TellReading(
        bids=(TellBid("Cloak of Flames", "45", None), TellBid("Mask of Tinkering", "30", "box"))
    )


def test_the_longest_open_name_wins_over_a_name_inside_it() -> None:
    # "Flames" is open too, but "Cloak of Flames 45" names the cloak.
    assert read_tell("Cloak of Flames 45", OPEN).bids == (TellBid("Cloak of Flames", "45", None),)
    assert read_tell("Flames 20", OPEN).bids == (TellBid("Flames", "20", None),)


def test_the_amount_goes_to_the_server_as_typed() -> None:
    # The server judges amounts: "45.5", "-3", "lots" are its to refuse, in its own words.
    assert read_tell("Cloak of Flames 45.5", OPEN).bids == (TellBid("Cloak of Flames", "45.5", None),)
    assert read_tell("Cloak of Flames lots", OPEN).bids == (TellBid("Cloak of Flames", "lots", None),)


def test_a_tell_that_cannot_be_cut_is_refused_with_a_sentence_to_send_back() -> None:
    assert read_tell("Cloak of Flames", OPEN) == TellReading(
        refusals=(
            TellRefusal("Cloak of Flames", "Send an amount: 'Cloak of Flames 45' (add alt or box for that bid)."),
        )
    )
    two = read_tell("Cloak of Flames 30 35", OPEN)
    assert two.bids == ()
    assert two.refusals[0].reason.startswith("One bid each: EQ DKP takes one amount from you for Cloak of Flames")
    assert read_tell("Robe of the Oracle 50", OPEN) == TellReading(
        refusals=(
            TellRefusal(
                "",
                "No auction open by that name. Open now: Cloak of Flames, Flames, Mask of Tinkering. "
                "Send '<item> <amount>'.",
            ),
        )
    )
    assert read_tell("Robe 50", []) == TellReading(refusals=(TellRefusal("", "No auction is open now."),))


def test_chat_is_no_bid() -> None:
    assert read_tell("thanks for the raid!", OPEN) == TellReading(is_bid=False)
    assert read_tell("", OPEN) == TellReading(is_bid=False)
    assert read_tell("Cloakof Flames", ["Cloak"]).is_bid is False  # a name inside a word is not named


@given(st.text(max_size=300), st.lists(st.text(max_size=40), max_size=6))
def test_any_tell_is_read_without_raising(text: str, names: list[str]) -> None:
    reading = read_tell(text, names)
    for bid in reading.bids:
        assert bid.item in names
        assert bid.amount
    assert reading.is_bid or not reading.refusals


@given(st.text(max_size=300))
def test_any_raid_chat_is_read_without_raising(text: str) -> None:
    command = read_raid_command(text)
    if isinstance(command, OpenAuction):
        assert command.item
        assert 1 <= command.quantity <= 100


def test_the_tell_back_fits_in_a_chat_line() -> None:
    assert tell_back("Gwendolyn", "Cloak of Flames", "Too low.") == "/t Gwendolyn Cloak of Flames: Too low."
    assert tell_back("Gwendolyn", "", "No auction is open now.") == "/t Gwendolyn No auction is open now."
    long = tell_back("Gwendolyn", "Cloak of Flames", "word " * 100)
    assert len("/t Gwendolyn ") + 250 <= len(long) <= len("/t Gwendolyn ") + 255
    assert long.endswith("...")


def test_the_announcement_names_each_winner_and_price() -> None:
    assert announcement("Cloak of Flames", "awarded", [("Gwendolyn", 45)]) == "/rs Cloak of Flames: Gwendolyn for 45"
    assert (
        announcement("Cloak of Flames", "awarded", [("Gwendolyn", 26), ("Devraxx", 26)])
        == "/rs Cloak of Flames: Gwendolyn for 26, Devraxx for 26"
    )
    assert announcement("Cloak of Flames", "rotted", []) == "/rs Cloak of Flames: no bids, it rots"
    assert announcement("Cloak of Flames", "cancelled", [("Gwendolyn", 45)]) == "/rs Cloak of Flames: cancelled"
