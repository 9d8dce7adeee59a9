"""Pure parsers for what the EverQuest client writes: raid dumps (``raid_dump``), and the shared
pieces of every dump (``dumps``), the class names (``classes``) and the errors (``errors``).

Nothing here imports Django: the parsers take text or bytes and return frozen dataclasses, so they
are tested without a database and reused by the upload page, the API, the bot and the demo.
"""
