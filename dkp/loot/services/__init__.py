"""Giving out loot and taking it back, always through the points ledger.

Auctions: an officer opens one (the pool's rules are copied onto it), members bid against their
available balance, and at the closing time the resolver (``dkp.loot.resolver``) picks the winners
and their price; the awards are Loot Distribution rows with ledger debits in the same transaction.
Every service raises a ``GuildError`` with a message for people; a refused bid also leaves a
rejected Bid History row, written after the refused transaction rolled back.

Locks, always in this order so two services never wait on each other in a cycle: the auction
row, then points summaries in ascending user id. A user's summary row is what serialises their
bids across auctions, so two bids of one user can never both spend the same points.

The services live by topic in this package's modules; every public name is here, so
``from dkp.loot.services import X`` does not need to know which.
"""

from dkp.loot.services.auctions import (
    NOTE_MAX,
    cancel_auction,
    extend_auction,
    open_auction,
    open_auctions,
    record_auction_post,
)
from dkp.loot.services.awards import (
    award_loot,
    award_loot_in_transaction,
    copies_free,
    item_named,
    reverse_distribution,
    reverse_loot_entry,
)
from dkp.loot.services.bidding import place_bid, place_game_bid, withdraw_bid
from dkp.loot.services.closing import close_auction, close_due_auctions, close_if_due, reaward_next
from dkp.loot.services.corrections import award_to_someone_else, reopen_for_bids
from dkp.loot.services.log_import import AwardLine, AwardRowsRefused, award_loot_batch, awards_from_log
from dkp.loot.services.parsing import (
    BID,
    MAX_BID,
    MAX_MINUTES,
    MAX_QUANTITY,
    MINUTES,
    PRICE,
    QUANTITY,
    parse_amount,
    parse_item_lines,
)

__all__ = [
    "BID",
    "MAX_BID",
    "MAX_MINUTES",
    "MAX_QUANTITY",
    "MINUTES",
    "NOTE_MAX",
    "PRICE",
    "QUANTITY",
    "AwardLine",
    "AwardRowsRefused",
    "award_loot",
    "award_loot_batch",
    "award_loot_in_transaction",
    "award_to_someone_else",
    "awards_from_log",
    "cancel_auction",
    "close_auction",
    "close_due_auctions",
    "close_if_due",
    "copies_free",
    "extend_auction",
    "item_named",
    "open_auction",
    "open_auctions",
    "parse_amount",
    "parse_item_lines",
    "place_bid",
    "place_game_bid",
    "reaward_next",
    "record_auction_post",
    "reopen_for_bids",
    "reverse_distribution",
    "reverse_loot_entry",
    "withdraw_bid",
]
