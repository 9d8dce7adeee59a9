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


# The titles ``/who`` shows from level 51, by the level each starts at; from 75 up the 75 title stays.
CLASS_TITLES: dict[str, tuple[tuple[int, str], ...]] = {
    "Warrior": (
        (51, "Champion"),
        (55, "Myrmidon"),
        (60, "Warlord"),
        (65, "Overlord"),
        (70, "Vanquisher"),
        (75, "Imperator"),
    ),
    "Cleric": ((51, "Vicar"), (55, "Templar"), (60, "High Priest"), (65, "Archon"), (70, "Prelate"), (75, "Exemplar")),
    "Paladin": (
        (51, "Cavalier"),
        (55, "Knight"),
        (60, "Crusader"),
        (65, "Lord Protector"),
        (70, "Lord"),
        (75, "Holy Defender"),
    ),
    "Ranger": (
        (51, "Pathfinder"),
        (55, "Outrider"),
        (60, "Warder"),
        (65, "Forest Stalker"),
        (70, "Plainswalker"),
        (75, "Huntmaster"),
    ),
    "Shadow Knight": (
        (51, "Reaver"),
        (55, "Revenant"),
        (60, "Grave Lord"),
        (65, "Dread Lord"),
        (70, "Scourge Knight"),
        (75, "Bloodreaver"),
    ),
    "Druid": (
        (51, "Wanderer"),
        (55, "Preserver"),
        (60, "Hierophant"),
        (65, "Storm Warden"),
        (70, "Natureguard"),
        (75, "Storm Caller"),
    ),
    "Monk": (
        (51, "Disciple"),
        (55, "Master"),
        (60, "Grandmaster"),
        (65, "Transcendent"),
        (70, "Stone Fist"),
        (75, "Ashenhand"),
    ),
    "Bard": (
        (51, "Minstrel"),
        (55, "Troubadour"),
        (60, "Virtuoso"),
        (65, "Maestro"),
        (70, "Performer"),
        (75, "Lyricist"),
    ),
    "Rogue": (
        (51, "Rake"),
        (55, "Blackguard"),
        (60, "Assassin"),
        (65, "Deceiver"),
        (70, "Nemesis"),
        (75, "Shadowblade"),
    ),
    "Shaman": (
        (51, "Mystic"),
        (55, "Luminary"),
        (60, "Oracle"),
        (65, "Prophet"),
        (70, "Soothsayer"),
        (75, "Spiritwatcher"),
    ),
    "Necromancer": (
        (51, "Heretic"),
        (55, "Defiler"),
        (60, "Warlock"),
        (65, "Arch Lich"),
        (70, "Wraith"),
        (75, "Deathcaller"),
    ),
    "Wizard": (
        (51, "Channeler"),
        (55, "Evoker"),
        (60, "Sorcerer"),
        (65, "Arcanist"),
        (70, "Grand Arcanist"),
        (75, "Pyromancer"),
    ),
    "Magician": (
        (51, "Elementalist"),
        (55, "Conjurer"),
        (60, "Arch Mage"),
        (65, "Arch Convoker"),
        (70, "Arch Magus"),
        (75, "Grand Summoner"),
    ),
    "Enchanter": (
        (51, "Illusionist"),
        (55, "Beguiler"),
        (60, "Phantasmist"),
        (65, "Coercer"),
        (70, "Bedazzler"),
        (75, "Entrancer"),
    ),
    "Beastlord": (
        (51, "Primalist"),
        (55, "Animist"),
        (60, "Savage Lord"),
        (65, "Feral Lord"),
        (70, "Wildblood"),
        (75, "Frostblood"),
    ),
    "Berserker": ((51, "Brawler"), (55, "Vehement"), (60, "Rager"), (65, "Fury"), (70, "Ravager"), (75, "Juggernaut")),
}

# Spellings seen in the wild besides the table's (other clients and servers).
TITLE_VARIANTS: dict[str, str] = {
    "Stormcaller": "Druid",
    "Herald": "Bard",
    "Sorceror": "Wizard",
    "Arch Arcanist": "Wizard",
    "Arch Animist": "Beastlord",
    "Saint": "Paladin",
}

_CLASS_BY_TITLE_KEY: dict[str, str] = {
    **{_class_key(title): eq_class for eq_class, titles in CLASS_TITLES.items() for _, title in titles},
    **{_class_key(title): eq_class for title, eq_class in TITLE_VARIANTS.items()},
}


def class_of_title(text: str) -> str | None:
    """The class a ``/who`` title belongs to ("Warlord" → "Warrior"); a class name gives itself; None otherwise."""
    return class_named(text) or _CLASS_BY_TITLE_KEY.get(_class_key(text))
