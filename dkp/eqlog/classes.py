"""The sixteen EverQuest classes, spelled as the client writes them in dumps.

Django's ``EqClass`` choices (``dkp.characters.models``) use the same strings; this module stays
free of Django so the parsers can use it.
"""

from __future__ import annotations

EQ_CLASSES: tuple[str, ...] = (
    "Bard",
    "Beastlord",
    "Berserker",
    "Cleric",
    "Druid",
    "Enchanter",
    "Magician",
    "Monk",
    "Necromancer",
    "Paladin",
    "Ranger",
    "Rogue",
    "Shadow Knight",
    "Shaman",
    "Warrior",
    "Wizard",
)


def _class_key(text: str) -> str:
    # Case and spaces are ignored, so classic-era exports' "Shadowknight" finds "Shadow Knight".
    return "".join(text.split()).casefold()


_CLASS_BY_KEY: dict[str, str] = {_class_key(name): name for name in EQ_CLASSES}


def class_named(text: str) -> str | None:
    """The class as spelled in ``EQ_CLASSES``, or None when the text names no class."""
    return _CLASS_BY_KEY.get(_class_key(text))
