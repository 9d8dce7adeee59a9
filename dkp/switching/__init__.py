"""Switching day: another tool's whole history brought in, checked against the tool's own balances.

``dkp.sources`` reads a source into the neutral form; ``plan`` turns it into what EQ DKP would
write and proves every balance (the preview); ``services.confirm_import`` writes it in one
transaction. History of characters nobody here owns yet waits (``PendingEntry``) and moves to the
member who claims or is given the character, with the character's alts as the source linked them.
"""
