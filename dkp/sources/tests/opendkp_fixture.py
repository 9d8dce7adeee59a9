"""An OpenDKP database holding two guilds, for the reader's tests and for a real MariaDB.

``DDL`` creates the tables the reader uses, with the names, columns and types of OpenDKP's own
schema (``database-schema/opendkp-db-structure.sql`` in Moncleared/OpenDKPLambdas), written here
without its foreign keys so that the rows a damaged database can hold (an item in raid -1, an
attendance row for a character that is gone) load as they are. ``guild_rows()`` holds values as
MariaDB stores them, so the same rows load into a server (with its default ``sql_mode``, which
takes the zero date) and come back unchanged in a dump.

The guild under test is "Riders of Rathe" (client ``c0ffee01``); "Other Guild" (``beef0002``)
shares the database, and some of its rows point at the Riders' characters and must not count.
"""

from __future__ import annotations

from dkp.sources.tables import MemoryTables

GUILD = "c0ffee01"
OTHER = "beef0002"

DDL = """
CREATE TABLE `clients` (
  `clientId` varchar(256) NOT NULL,
  `name` varchar(256) NOT NULL,
  `subdomain` varchar(256) NOT NULL,
  `identity` varchar(256) NOT NULL,
  `userPool` varchar(256) NOT NULL,
  `webClientId` varchar(256) NOT NULL,
  `assumedRole` varchar(256) DEFAULT NULL,
  `website` varchar(256) DEFAULT NULL,
  `forums` varchar(256) DEFAULT NULL,
  PRIMARY KEY (`clientId`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE `characters` (
  `clientId` varchar(256) NOT NULL,
  `id_character` int(11) NOT NULL AUTO_INCREMENT,
  `id_associated` int(11) NOT NULL DEFAULT '-1',
  `active` tinyint(4) NOT NULL DEFAULT '1',
  `name` varchar(45) NOT NULL,
  `rank` varchar(45) DEFAULT NULL,
  `class` varchar(45) DEFAULT NULL,
  `level` int(11) DEFAULT NULL,
  `race` varchar(45) DEFAULT NULL,
  `gender` varchar(45) DEFAULT NULL,
  `guild` varchar(45) DEFAULT NULL,
  PRIMARY KEY (`id_character`,`clientId`),
  UNIQUE KEY `id_UNIQUE` (`id_character`),
  UNIQUE KEY `name_UNIQUE` (`name`),
  KEY `fkey_clientid_idx` (`clientId`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE `pools` (
  `id_pool` int(11) NOT NULL AUTO_INCREMENT,
  `name` varchar(45) NOT NULL,
  `description` varchar(45) DEFAULT NULL,
  `order` int(11) NOT NULL DEFAULT '99',
  PRIMARY KEY (`id_pool`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE `raids` (
  `clientId` varchar(255) NOT NULL,
  `id_raid` int(11) NOT NULL AUTO_INCREMENT,
  `id_pool` int(11) NOT NULL,
  `name` varchar(45) NOT NULL,
  `timestamp` datetime NOT NULL,
  `updated_by` varchar(45) DEFAULT 'system',
  `updated_timestamp` datetime DEFAULT NULL,
  PRIMARY KEY (`id_raid`,`clientId`),
  UNIQUE KEY `id_raid_UNIQUE` (`id_raid`),
  KEY `fkey_raids_pool_id_idx` (`id_pool`),
  KEY `fkey_raids_clientid_idx` (`clientId`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE `ticks` (
  `clientId` varchar(255) NOT NULL,
  `tick_id` int(11) NOT NULL AUTO_INCREMENT,
  `raid_id` int(11) NOT NULL,
  `value` double NOT NULL DEFAULT '0',
  `description` varchar(45) DEFAULT NULL,
  PRIMARY KEY (`tick_id`,`clientId`),
  UNIQUE KEY `tick_id_UNIQUE` (`tick_id`),
  KEY `fkey_entries_raids_id_idx` (`raid_id`),
  KEY `fkey_entries_clientId_idx` (`clientId`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE `ticks_x_characters` (
  `clientId` varchar(255) NOT NULL,
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `id_character` int(11) NOT NULL,
  `id_tick` int(11) NOT NULL,
  PRIMARY KEY (`id`,`clientId`),
  UNIQUE KEY `id_UNIQUE` (`id`),
  KEY `fkey_tick_charId_idx` (`id_character`),
  KEY `fkey_tick_tickId_idx` (`id_tick`),
  KEY `fkey_tick_clientId_idx` (`clientId`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE `items` (
  `id_item` int(11) NOT NULL AUTO_INCREMENT,
  `name` varchar(45) NOT NULL,
  `lucylink` varchar(45) DEFAULT NULL,
  PRIMARY KEY (`id_item`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE `items_x_characters` (
  `transaction_id` int(11) NOT NULL AUTO_INCREMENT,
  `clientId` varchar(255) NOT NULL,
  `character_id` int(11) NOT NULL,
  `item_id` int(11) NOT NULL,
  `raid_id` int(11) NOT NULL DEFAULT '-1',
  `dkp` double NOT NULL DEFAULT '0',
  PRIMARY KEY (`transaction_id`,`clientId`,`character_id`,`item_id`,`raid_id`),
  UNIQUE KEY `transaction_id_UNIQUE` (`transaction_id`),
  KEY `fkey_items_character_idx` (`character_id`),
  KEY `fkey_items_item_idx` (`item_id`),
  KEY `fkey_items_raid_id_idx` (`raid_id`),
  KEY `fkey_items_clientId_idx` (`clientId`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE `adjustments` (
  `clientId` varchar(255) NOT NULL,
  `id_adjustment` int(11) NOT NULL AUTO_INCREMENT,
  `id_character` int(11) NOT NULL,
  `name` varchar(45) NOT NULL,
  `description` varchar(45) DEFAULT NULL,
  `value` double NOT NULL DEFAULT '0',
  `timestamp` datetime NOT NULL,
  PRIMARY KEY (`id_adjustment`,`clientId`),
  UNIQUE KEY `id_adjustment_UNIQUE` (`id_adjustment`),
  KEY `fk_adjust_char_id_idx` (`id_character`),
  KEY `fkey_adjust_clientid_idx` (`clientId`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;
"""


def _client(client_id: str, name: str, subdomain: str) -> dict[str, object]:
    return {
        "clientId": client_id,
        "name": name,
        "subdomain": subdomain,
        "identity": f"us-east-1:{subdomain}",
        "userPool": f"us-east-1_{subdomain}",
        "webClientId": f"web-{subdomain}",
        "assumedRole": None,
        "website": None,
        "forums": None,
    }


def _character(
    client_id: str,
    id_character: int,
    name: str,
    eq_class: str | None,
    *,
    main: int = -1,
    active: int = 1,
    rank: str | None = "Member",
    level: int | None = 60,
    race: str | None = "Human",
) -> dict[str, object]:
    return {
        "clientId": client_id,
        "id_character": id_character,
        "id_associated": main,
        "active": active,
        "name": name,
        "rank": rank,
        "class": eq_class,
        "level": level,
        "race": race,
        "gender": "Male",
        "guild": None,
    }


def _raid(client_id: str, id_raid: int, id_pool: int, name: str, timestamp: str) -> dict[str, object]:
    return {
        "clientId": client_id,
        "id_raid": id_raid,
        "id_pool": id_pool,
        "name": name,
        "timestamp": timestamp,
        "updated_by": "Tankzor",
        "updated_timestamp": None,
    }


def _tick(client_id: str, tick_id: int, raid_id: int, value: str, description: str | None) -> dict[str, object]:
    return {"clientId": client_id, "tick_id": tick_id, "raid_id": raid_id, "value": value, "description": description}


def _attendance(client_id: str, number: int, id_character: int, id_tick: int) -> dict[str, object]:
    return {"clientId": client_id, "id": number, "id_character": id_character, "id_tick": id_tick}


def _bought(
    client_id: str, transaction_id: int, character_id: int, item_id: int, raid_id: int, dkp: str
) -> dict[str, object]:
    return {
        "transaction_id": transaction_id,
        "clientId": client_id,
        "character_id": character_id,
        "item_id": item_id,
        "raid_id": raid_id,
        "dkp": dkp,
    }


def _adjustment(
    client_id: str,
    id_adjustment: int,
    id_character: int,
    name: str,
    description: str | None,
    value: str,
    timestamp: str,
) -> dict[str, object]:
    return {
        "clientId": client_id,
        "id_adjustment": id_adjustment,
        "id_character": id_character,
        "name": name,
        "description": description,
        "value": value,
        "timestamp": timestamp,
    }


def guild_rows() -> dict[str, list[dict[str, object]]]:
    """Every table's rows in the order a dump lists them; the tests name rows by their number."""
    return {
        "clients": [_client(GUILD, "Riders of Rathe", "riders"), _client(OTHER, "Other Guild", "other")],
        "characters": [
            # rows 1-9 are the Riders'
            _character(GUILD, 101, "Tankzor", "Warrior", rank="Officer", race="Ogre"),
            _character(GUILD, 102, "Healzor", "Cleric", main=101, level=58, race="Dwarf"),
            _character(GUILD, 103, "Portzor", "Wizard", main=101, race="Erudite"),
            _character(GUILD, 104, "Oldtimer", "Rogue", active=0, rank="Retired", race="Halfling"),
            # as OpenDKP creates a character from a name it has not seen
            _character(GUILD, 105, "Newbie", "UNKNOWN", rank="Inactive", level=1, race="UNKNOWN"),
            _character(GUILD, 106, "Mr.Bones", "Necromancer"),
            _character(GUILD, 107, "Strangez", "Jester"),
            _character(GUILD, 108, "", "Shadowknight", rank=None, level=None, race=None),
            _character(GUILD, 109, "Lostalt", "Bard", main=999),
            # rows 10-11 are the other guild's
            _character(OTHER, 201, "Othermain", "Paladin"),
            _character(OTHER, 202, "Othertwo", "Druid", main=201),
        ],
        # OpenDKP's pools belong to no client: every guild in the database sees the same ones.
        "pools": [
            {"id_pool": 1, "name": "Classic", "description": "Kunark and before", "order": 1},
            {"id_pool": 2, "name": "Velious", "description": "Velious raids", "order": 2},
            {"id_pool": 3, "name": "Luclin", "description": None, "order": 3},
        ],
        "raids": [
            _raid(GUILD, 11, 1, "Plane of Fear", "2019-03-01 20:00:00"),
            _raid(GUILD, 12, 2, "Temple of Veeshan", "2019-03-08 20:00:00"),
            _raid(GUILD, 13, 1, "Plane of Hate", "0000-00-00 00:00:00"),
            _raid(OTHER, 21, 3, "Vex Thal", "2019-03-02 21:00:00"),
        ],
        "ticks": [
            _tick(GUILD, 1001, 11, "2.5", "On time"),
            _tick(GUILD, 1002, 11, "2.5", "Cazic-Thule"),
            _tick(GUILD, 1003, 11, "5", "Nobody stayed"),
            _tick(GUILD, 1004, 12, "10", "Vulak`Aerr"),
            _tick(GUILD, 1005, 99, "3", "Lost raid"),
            _tick(GUILD, 1006, 13, "2", "Innoruuk"),
            _tick(OTHER, 1101, 21, "100", "Aten Ha Ra"),
        ],
        "ticks_x_characters": [
            _attendance(GUILD, 1, 101, 1001),
            _attendance(GUILD, 2, 102, 1001),
            _attendance(GUILD, 3, 104, 1001),
            _attendance(GUILD, 4, 105, 1001),
            _attendance(GUILD, 5, 101, 1002),
            _attendance(GUILD, 6, 102, 1002),
            _attendance(GUILD, 7, 105, 1002),
            _attendance(GUILD, 8, 101, 1002),  # Tankzor twice at the same tick
            _attendance(GUILD, 9, 101, 1004),
            _attendance(GUILD, 10, 103, 1004),
            _attendance(GUILD, 11, 106, 1004),
            _attendance(GUILD, 12, 107, 1004),
            _attendance(GUILD, 13, 108, 1004),
            _attendance(GUILD, 14, 109, 1004),
            _attendance(GUILD, 15, 103, 1005),  # a tick whose raid is not there
            _attendance(GUILD, 16, 104, 1006),  # a tick whose raid has a zero date
            _attendance(GUILD, 17, 555, 1001),  # a character that is not there
            _attendance(GUILD, 18, 101, 7777),  # a tick that is not there
            _attendance(OTHER, 19, 201, 1101),
            _attendance(OTHER, 20, 101, 1101),  # the other guild's row for a Rider
        ],
        # OpenDKP's items belong to no client either; their ids are EverQuest's.
        "items": [
            {"id_item": 2001, "name": "Cloak of Flames", "lucylink": None},
            {"id_item": 2002, "name": "Manastone", "lucylink": None},
            {"id_item": 2003, "name": "Fungus Covered Scale Tunic", "lucylink": None},
            {"id_item": 2004, "name": "Crown of Rile", "lucylink": None},
        ],
        "items_x_characters": [
            _bought(GUILD, 501, 101, 2001, 11, "12.5"),
            _bought(GUILD, 502, 102, 2002, 11, "12.5"),
            _bought(GUILD, 503, 104, 2003, -1, "5"),  # in no raid
            _bought(GUILD, 504, 103, 2004, 12, "20"),
            _bought(GUILD, 505, 555, 2001, 12, "1"),  # a character that is not there
            _bought(GUILD, 506, 101, 9999, 12, "0.5"),  # an item that is not there
            _bought(OTHER, 507, 201, 2001, 21, "50"),
            _bought(OTHER, 508, 101, 2002, 21, "40"),  # the other guild's row for a Rider
        ],
        "adjustments": [
            _adjustment(GUILD, 301, 101, "Bonus", "Raid leading", "10", "2019-03-02 00:00:00"),
            _adjustment(GUILD, 302, 102, "Penalty", "Left early", "-2.5", "2019-03-09 01:30:00"),
            _adjustment(GUILD, 303, 104, "Decay", None, "-1.25", "2019-03-10 00:00:00"),
            _adjustment(GUILD, 304, 555, "Bonus", None, "3", "2019-03-10 00:00:00"),  # a character that is not there
            _adjustment(OTHER, 305, 101, "Bonus", "Other guild", "7", "2019-03-10 00:00:00"),
        ],
    }


def guild(*, label: str = "opendkp.sql") -> MemoryTables:
    return MemoryTables(guild_rows(), label=label)
