"""Background work of the loot domain: closing auctions on time."""

from celery import shared_task


@shared_task(name="loot.close_auction", ignore_result=True)
def close_auction_task(auction_id: int) -> str:
    """Close one auction at its time; a no-op when it was extended, closed already or cancelled."""
    from dkp.loot.services import close_auction

    return close_auction(auction_id=auction_id, actor=None).status


@shared_task(name="loot.close_due_auctions", ignore_result=True)
def close_due_auctions_task() -> int:
    """The safety net behind the scheduled closes: every open auction past its time is closed."""
    from dkp.loot.services import close_due_auctions

    return close_due_auctions()
