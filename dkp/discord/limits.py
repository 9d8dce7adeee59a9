"""Discord's documented limits on what a bot sends, in one place for the bot, the worker and the tests.

From Discord's API reference (Message, Embed, Components, Interactions, Application Commands); the
bot trims to them (``dkp.bot`` text helpers) and the tests check every payload against them.
"""

from __future__ import annotations

# Messages
CONTENT = 2000  # characters of a message's content
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL = 6000  # title + description + field names and values + footer text + author name, all embeds
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256

# Components
ACTION_ROWS = 5  # per message or modal
COMPONENTS_PER_ROW = 5  # buttons in one row (a select menu or text input fills its row)
CUSTOM_ID = 100
BUTTON_LABEL = 80
SELECT_OPTIONS = 25
SELECT_OPTION_LABEL = 100
SELECT_OPTION_VALUE = 100
SELECT_OPTION_DESCRIPTION = 100
SELECT_PLACEHOLDER = 150

# Modals
MODAL_TITLE = 45
TEXT_INPUT_LABEL = 45
TEXT_INPUT_PLACEHOLDER = 100
TEXT_INPUT_VALUE = 4000

# Application commands
AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 100
COMMAND_NAME = 32  # a command's, an option's name (1-32, lowercase for slash commands)
COMMAND_DESCRIPTION = 100  # a slash command's, an option's description (1-100)
COMMAND_OPTIONS = 25  # options of a command or subcommand
COMMAND_CHOICES = 25  # fixed choices of an option
SELECT_VALUES = 25  # a select menu's min_values (0-25) and max_values (1-25)
LABEL_DESCRIPTION = 100  # a modal Label's description (its text is TEXT_INPUT_LABEL, 45)
