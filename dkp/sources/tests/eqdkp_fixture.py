"""A small EQdkp Plus guild as its database holds it: the tables the reader uses, with prefix ``eqdkp_``.

``DDL`` creates those tables in MySQL with the names, columns and types of EQdkp Plus's
``install/schemas/mysql_structure.sql`` (only the columns the reader reads, plus
``multidkp2event_no_attendance``, which it deliberately ignores); ``guild()`` holds the rows. Every value
fits its column (they load into MariaDB 10.11 in strict mode, and read back through PyMySQL give the
same history), and rows are in primary-key order, so a dump's row numbers match these.

The guild:

- Two multi-DKP pools, "Planes of Power" (1) and "Elemental" (2). Event "Guild Event" (3) is in both
  (marked no-attendance in pool 2, which changes attendance percentages in EQdkp Plus, not points);
  "Tradeskill Night" (4) is in no pool. Pool 1 also links to event 99, which is not there.
- Item pools: "Default" (1) in pool 1, "Time Loot" (2) in pool 2, "Unpooled" (3) in none, "Shared"
  (4) in both.
- Tanksalot (1) is a main with two twinks, Healsalot (2) and Buffsalot (3); Oldtimer (4) is inactive;
  Newbie (5) has no class and the level "sixty"; Strayalt (6) is the twink of a character that is not
  there; Oddclass (7) has class 99 and rank 9, neither of which exists; Badjson (8) has unreadable
  profile data.
- Raid values 2.5 and 10, an item for 12.5, adjustments up and down, raid 4 nobody attended, and a bad
  row of each kind (see ``tests/test_eqdkp.py`` for what each one is).
"""

from __future__ import annotations

from dkp.sources.tables import MemoryTables

DDL = """
CREATE TABLE `eqdkp_config` (
  `config_name` varchar(120) COLLATE utf8_bin NOT NULL,
  `config_plugin` varchar(40) COLLATE utf8_bin NOT NULL DEFAULT 'core',
  `config_value` text COLLATE utf8_bin,
  PRIMARY KEY (`config_name`, `config_plugin`)
) DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE `eqdkp_member_ranks` (
  `rank_id` int(11) unsigned NOT NULL,
  `rank_name` varchar(50) COLLATE utf8_bin NOT NULL,
  UNIQUE KEY `rank_id` (`rank_id`)
) DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE `eqdkp_members` (
  `member_id` int(11) unsigned NOT NULL AUTO_INCREMENT,
  `member_name` varchar(30) COLLATE utf8_bin NOT NULL,
  `member_status` tinyint(1) NOT NULL DEFAULT 1,
  `member_rank_id` smallint(3) NOT NULL DEFAULT '0',
  `member_main_id` int(11) unsigned DEFAULT NULL,
  `profiledata` text COLLATE utf8_bin NOT NULL,
  PRIMARY KEY (`member_id`)
) DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE `eqdkp_events` (
  `event_id` int(11) unsigned NOT NULL AUTO_INCREMENT,
  `event_name` varchar(255) COLLATE utf8_bin DEFAULT NULL,
  `event_value` float(6,2) DEFAULT NULL,
  PRIMARY KEY (`event_id`)
) DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE `eqdkp_raids` (
  `raid_id` mediumint(8) unsigned NOT NULL AUTO_INCREMENT,
  `event_id` int(11) unsigned NOT NULL,
  `raid_date` int(11) NOT NULL DEFAULT '0',
  `raid_note` text COLLATE utf8_bin,
  `raid_value` float(6,2) NOT NULL DEFAULT '0.00',
  PRIMARY KEY (`raid_id`)
) DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE `eqdkp_raid_attendees` (
  `raid_id` mediumint(8) unsigned NOT NULL,
  `member_id` int(11) unsigned NOT NULL,
  KEY `raid_id` (`raid_id`),
  KEY `member_id` (`member_id`)
) DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE `eqdkp_items` (
  `item_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `item_name` varchar(255) COLLATE utf8_bin DEFAULT NULL,
  `member_id` int(11) unsigned NOT NULL,
  `raid_id` mediumint(8) unsigned NOT NULL,
  `item_value` float(10,2) DEFAULT NULL,
  `item_date` int(11) NOT NULL DEFAULT '0',
  `game_itemid` varchar(50) COLLATE utf8_bin DEFAULT NULL,
  `itempool_id` int(11) unsigned NOT NULL,
  PRIMARY KEY (`item_id`)
) DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE `eqdkp_adjustments` (
  `adjustment_id` mediumint(8) unsigned NOT NULL AUTO_INCREMENT,
  `adjustment_value` float(11,2) DEFAULT NULL,
  `adjustment_date` int(11) NOT NULL DEFAULT '0',
  `member_id` int(11) unsigned NOT NULL,
  `adjustment_reason` varchar(255) COLLATE utf8_bin DEFAULT NULL,
  `event_id` varchar(255) COLLATE utf8_bin NOT NULL,
  PRIMARY KEY (`adjustment_id`)
) DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE `eqdkp_multidkp` (
  `multidkp_id` int(11) unsigned NOT NULL AUTO_INCREMENT,
  `multidkp_name` varchar(255) COLLATE utf8_bin NOT NULL,
  `multidkp_desc` text COLLATE utf8_bin NOT NULL,
  `multidkp_sortid` int(11) unsigned NOT NULL DEFAULT '0',
  PRIMARY KEY (`multidkp_id`)
) DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE `eqdkp_multidkp2event` (
  `multidkp2event_multi_id` int(11) NOT NULL,
  `multidkp2event_event_id` int(11) NOT NULL,
  `multidkp2event_no_attendance` int(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (`multidkp2event_multi_id`, `multidkp2event_event_id`)
) DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE `eqdkp_itempool` (
  `itempool_id` int(11) unsigned NOT NULL AUTO_INCREMENT,
  `itempool_name` varchar(255) COLLATE utf8_bin NOT NULL,
  `itempool_desc` text COLLATE utf8_bin NOT NULL,
  PRIMARY KEY (`itempool_id`)
) DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE `eqdkp_multidkp2itempool` (
  `multidkp2itempool_itempool_id` int(11) unsigned NOT NULL,
  `multidkp2itempool_multi_id` int(11) unsigned NOT NULL,
  PRIMARY KEY (`multidkp2itempool_itempool_id`, `multidkp2itempool_multi_id`)
) DEFAULT CHARSET=utf8 COLLATE=utf8_bin;
"""

# 2019-03-01 02:00 UTC and the Fridays after it, as EQdkp Plus stores times (unix seconds).
MARCH_1 = 1551405600
WEEK = 7 * 24 * 3600


def _profile(eq_class: int | None = None, race: int | None = None, level: object = None) -> str:
    fields = [
        f'"{name}":"{value}"'
        for name, value in (("class", eq_class), ("race", race), ("level", level))
        if value is not None
    ]
    return "{" + ",".join(fields) + "}"


def rows() -> dict[str, list[dict[str, object]]]:
    """The guild's rows by table name without the prefix."""
    return {
        "config": [
            {"config_name": "default_game", "config_plugin": "core", "config_value": "eq"},
            {"config_name": "guildtag", "config_plugin": "core", "config_value": "Knights of Norrath"},
        ],
        "member_ranks": [
            {"rank_id": 0, "rank_name": ""},
            {"rank_id": 1, "rank_name": "Member"},
            {"rank_id": 2, "rank_name": "Officer"},
            {"rank_id": 3, "rank_name": "Recruit"},
        ],
        "members": [
            {
                "member_id": 1,
                "member_name": "Tanksalot",
                "member_status": 1,
                "member_rank_id": 2,
                "member_main_id": 1,
                "profiledata": _profile(13, 2, 65),
            },
            {
                "member_id": 2,
                "member_name": "Healsalot",
                "member_status": 1,
                "member_rank_id": 1,
                "member_main_id": 1,
                "profiledata": _profile(15, 4, 60),
            },
            {
                "member_id": 3,
                "member_name": "Buffsalot",
                "member_status": 1,
                "member_rank_id": 1,
                "member_main_id": 1,
                "profiledata": _profile(4, 5, 58),
            },
            {
                "member_id": 4,
                "member_name": "Oldtimer",
                "member_status": 0,
                "member_rank_id": 1,
                "member_main_id": 0,
                "profiledata": _profile(16, 15, 50),
            },
            {
                "member_id": 5,
                "member_name": "Newbie",
                "member_status": 1,
                "member_rank_id": 3,
                "member_main_id": None,
                "profiledata": _profile(level="sixty"),
            },
            {
                "member_id": 6,
                "member_name": "Strayalt",
                "member_status": 1,
                "member_rank_id": 1,
                "member_main_id": 42,
                "profiledata": _profile(9, 7, 45),
            },
            {
                "member_id": 7,
                "member_name": "Oddclass",
                "member_status": 1,
                "member_rank_id": 9,
                "member_main_id": 7,
                "profiledata": _profile(99, 2, 30),
            },
            {
                "member_id": 8,
                "member_name": "Badjson",
                "member_status": 1,
                "member_rank_id": 1,
                "member_main_id": 8,
                "profiledata": "{not json",
            },
        ],
        "events": [
            {"event_id": 1, "event_name": "Plane of Fear", "event_value": 2.5},
            {"event_id": 2, "event_name": "Plane of Time", "event_value": 10},
            {"event_id": 3, "event_name": "Guild Event", "event_value": 2.5},
            {"event_id": 4, "event_name": "Tradeskill Night", "event_value": 1},
        ],
        # Rows in primary-key order, as a mysqldump writes them, so row numbers match a dump's.
        "multidkp": [
            {"multidkp_id": 1, "multidkp_name": "Planes of Power", "multidkp_desc": "", "multidkp_sortid": 1},
            {
                "multidkp_id": 2,
                "multidkp_name": "Elemental",
                "multidkp_desc": "Plane of Time and after",
                "multidkp_sortid": 2,
            },
        ],
        "multidkp2event": [
            {"multidkp2event_multi_id": 1, "multidkp2event_event_id": 1, "multidkp2event_no_attendance": 0},
            {"multidkp2event_multi_id": 1, "multidkp2event_event_id": 3, "multidkp2event_no_attendance": 0},
            {"multidkp2event_multi_id": 1, "multidkp2event_event_id": 99, "multidkp2event_no_attendance": 0},
            {"multidkp2event_multi_id": 2, "multidkp2event_event_id": 2, "multidkp2event_no_attendance": 0},
            {"multidkp2event_multi_id": 2, "multidkp2event_event_id": 3, "multidkp2event_no_attendance": 1},
            {"multidkp2event_multi_id": 7, "multidkp2event_event_id": 1, "multidkp2event_no_attendance": 0},
        ],
        "itempool": [
            {"itempool_id": 1, "itempool_name": "Default", "itempool_desc": "Default itempool"},
            {"itempool_id": 2, "itempool_name": "Time Loot", "itempool_desc": ""},
            {"itempool_id": 3, "itempool_name": "Unpooled", "itempool_desc": "linked to no multi-DKP pool"},
            {"itempool_id": 4, "itempool_name": "Shared", "itempool_desc": "charged in both pools"},
        ],
        "multidkp2itempool": [
            {"multidkp2itempool_itempool_id": 1, "multidkp2itempool_multi_id": 1},
            {"multidkp2itempool_itempool_id": 2, "multidkp2itempool_multi_id": 2},
            {"multidkp2itempool_itempool_id": 4, "multidkp2itempool_multi_id": 1},
            {"multidkp2itempool_itempool_id": 4, "multidkp2itempool_multi_id": 2},
        ],
        "raids": [
            {"raid_id": 1, "event_id": 1, "raid_date": MARCH_1, "raid_note": "Cazic-Thule", "raid_value": 2.5},
            {"raid_id": 2, "event_id": 2, "raid_date": MARCH_1 + WEEK, "raid_note": "", "raid_value": 10},
            {"raid_id": 3, "event_id": 3, "raid_date": MARCH_1 + 2 * WEEK, "raid_note": None, "raid_value": 2.5},
            {"raid_id": 4, "event_id": 1, "raid_date": MARCH_1 + 3 * WEEK, "raid_note": "Nobody came", "raid_value": 5},
            {"raid_id": 5, "event_id": 4, "raid_date": MARCH_1 + 4 * WEEK, "raid_note": "", "raid_value": 1},
            {"raid_id": 6, "event_id": 77, "raid_date": MARCH_1 + 5 * WEEK, "raid_note": "", "raid_value": 3},
            {"raid_id": 7, "event_id": 1, "raid_date": 0, "raid_note": "date lost", "raid_value": 5},
        ],
        "raid_attendees": [
            {"raid_id": 1, "member_id": 1},
            {"raid_id": 1, "member_id": 2},
            {"raid_id": 1, "member_id": 4},
            {"raid_id": 1, "member_id": 1},  # Tanksalot twice
            {"raid_id": 2, "member_id": 1},
            {"raid_id": 2, "member_id": 3},
            {"raid_id": 2, "member_id": 50},  # nobody
            {"raid_id": 3, "member_id": 1},
            {"raid_id": 3, "member_id": 5},
            {"raid_id": 5, "member_id": 1},
            {"raid_id": 6, "member_id": 1},
            {"raid_id": 7, "member_id": 2},
            {"raid_id": 60, "member_id": 1},  # no such raid
        ],
        "items": [
            {
                "item_id": 1,
                "item_name": "Cloak of Flames",
                "member_id": 1,
                "raid_id": 1,
                "item_value": 12.5,
                "item_date": MARCH_1 + 3600,
                "game_itemid": "13339",
                "itempool_id": 1,
            },
            {
                "item_id": 2,
                "item_name": "Time's Antithesis",
                "member_id": 3,
                "raid_id": 2,
                "item_value": 30,
                "item_date": MARCH_1 + WEEK + 3600,
                "game_itemid": "",
                "itempool_id": 2,
            },
            {
                "item_id": 3,
                "item_name": "Shiny Pebble",
                "member_id": 2,
                "raid_id": 1,
                "item_value": 4,
                "item_date": MARCH_1 + 3600,
                "game_itemid": None,
                "itempool_id": 3,
            },
            {
                "item_id": 4,
                "item_name": "Shared Gem",
                "member_id": 4,
                "raid_id": 3,
                "item_value": 4,
                "item_date": MARCH_1 + 2 * WEEK + 3600,
                "game_itemid": None,
                "itempool_id": 4,
            },
            {
                "item_id": 5,
                "item_name": "Ghost Ring",
                "member_id": 50,
                "raid_id": 1,
                "item_value": 8,
                "item_date": MARCH_1 + 3600,
                "game_itemid": None,
                "itempool_id": 1,
            },
            {
                "item_id": 6,
                "item_name": "Lost Sword",
                "member_id": 5,
                "raid_id": 60,
                "item_value": 1.5,
                "item_date": MARCH_1 + 3600,
                "game_itemid": None,
                "itempool_id": 1,
            },
            {
                "item_id": 7,
                "item_name": "Mystery Box",
                "member_id": 1,
                "raid_id": 1,
                "item_value": None,
                "item_date": MARCH_1 + 3600,
                "game_itemid": None,
                "itempool_id": 1,
            },
            {
                "item_id": 8,
                "item_name": "Dateless Dagger",
                "member_id": 2,
                "raid_id": 1,
                "item_value": 3,
                "item_date": 0,
                "game_itemid": None,
                "itempool_id": 1,
            },
        ],
        "adjustments": [
            {
                "adjustment_id": 1,
                "adjustment_value": 10,
                "adjustment_date": MARCH_1,
                "member_id": 1,
                "adjustment_reason": "Early arrival",
                "event_id": "1",
            },
            {
                "adjustment_id": 2,
                "adjustment_value": -2.5,
                "adjustment_date": MARCH_1 + WEEK,
                "member_id": 4,
                "adjustment_reason": "Left early",
                "event_id": "2",
            },
            {
                "adjustment_id": 3,
                "adjustment_value": 10,
                "adjustment_date": MARCH_1 + 2 * WEEK,
                "member_id": 2,
                "adjustment_reason": "Guild event prize",
                "event_id": "3",
            },
            {
                "adjustment_id": 4,
                "adjustment_value": 3,
                "adjustment_date": MARCH_1,
                "member_id": 1,
                "adjustment_reason": "No event",
                "event_id": "",
            },
            {
                "adjustment_id": 5,
                "adjustment_value": 5,
                "adjustment_date": MARCH_1,
                "member_id": 50,
                "adjustment_reason": "For nobody",
                "event_id": "1",
            },
            {
                "adjustment_id": 6,
                "adjustment_value": 2,
                "adjustment_date": MARCH_1,
                "member_id": 5,
                "adjustment_reason": "Tradeskills",
                "event_id": "4",
            },
            {
                "adjustment_id": 7,
                "adjustment_value": None,
                "adjustment_date": MARCH_1,
                "member_id": 5,
                "adjustment_reason": "Forgot the amount",
                "event_id": "1",
            },
        ],
    }


def guild(*, prefix: str = "eqdkp_", label: str = "guild.sql") -> MemoryTables:
    """The guild's tables under ``prefix`` (EQdkp Plus installs often use ``eqdkp20_`` or ``eqdkp23_``)."""
    return MemoryTables({f"{prefix}{table}": table_rows for table, table_rows in rows().items()}, label=label)
