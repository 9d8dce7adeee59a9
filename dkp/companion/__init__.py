"""dkp-companion: the loot master's console program beside EverQuest.

It follows the loot master's own log (``eqlog_<Name>_<server>.txt``) and the EverQuest folder,
and talks to EQ DKP over the REST API with an officer's API key: raid chat commands open, close
and cancel auctions, tells become bids judged by the server, new raid dumps become tick previews
confirmed with one key, and the announcements and refusals to send back wait on the clipboard.

Pure Python and ``dkp.eqlog`` only (no Django), so it installs on its own with
``pip install ./companion``. See docs/companion.md.
"""
