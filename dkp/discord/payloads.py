"""What Discord would refuse in a payload the bot or the worker sends, checked against ``limits``.

``payload_problems(payload)`` takes one JSON body, as sent: a message to create or edit, an
interaction response (``{"type": 4, "data": {...}}``) or an application command, and returns one
line per problem, ``"<path>: <what is wrong>"``, the path in the dotted form of Discord's 50035
"Invalid Form Body" errors (``embeds.0.fields.3.value``). An empty list: Discord would take it.

One line is not Discord's rule but the project's: a message with text and no ``allowed_mentions``
may ping whoever its text names (``Problem.refused`` is False for it; the stand-in lets it through,
the tests' limits check does not). ``request_problems(method, path, body)`` picks the check by
Discord's route, for the stand-in and for the requests SimCord records.

Pure: no Django, no HTTP.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dkp.discord import limits

# Interaction callback types (Discord: "Interaction Response Object").
PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, AUTOCOMPLETE, MODAL = 1, 4, 5, 6, 7, 8, 9
# Component types.
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT, TEXT_DISPLAY, LABEL = 1, 2, 3, 4, 10, 18
SELECTS = frozenset({3, 5, 6, 7, 8})  # string, user, role, mentionable, channel select
LINK_STYLE, PREMIUM_STYLE = 5, 6
COMMAND_NAME_PATTERN = re.compile(r"^[-_\w]{1,32}$")


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    refused: bool = True  # Discord answers 400/50035; False: the project's own rule

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def payload_problems(payload: dict[str, Any]) -> list[str]:
    """Every limit ``payload`` breaks, one ``"<path>: <why>"`` line each; empty when Discord would take it."""
    return [str(problem) for problem in problems_in(payload)]


def problems_in(payload: dict[str, Any]) -> list[Problem]:
    """``payload_problems`` as ``Problem`` objects: an interaction response, a command, or a message."""
    if not isinstance(payload, dict):
        return [Problem("", "the body is not a JSON object")]
    if isinstance(payload.get("type"), int) and ("data" in payload or set(payload) == {"type"}):
        return interaction_response_problems(payload)
    if "name" in payload and ("description" in payload or "options" in payload):
        return command_problems(payload)
    return message_problems(payload)


def request_problems(method: str, path: str, body: Any) -> list[Problem]:
    """The problems of ``body`` sent as ``method path`` (``/channels/1/messages``, API prefix or not).

    Message creates and edits (channel messages, interaction follow-ups and edits), interaction
    callbacks and command registration are checked; any other route has nothing to check here.
    """
    route = re.sub(r"^/api/v\d+", "", path.split("?")[0]).rstrip("/")
    parts = route.strip("/").split("/")
    if body is None:
        return []
    if parts[0] == "interactions" and parts[-1] == "callback" and method == "POST":
        return problems_at_root(body, interaction_response_problems)
    if parts[0] == "channels" and len(parts) in (3, 4) and parts[2] == "messages" and method in ("POST", "PATCH"):
        return problems_at_root(body, message_problems)
    if parts[0] == "webhooks" and len(parts) >= 3 and method in ("POST", "PATCH"):
        return problems_at_root(body, message_problems)
    if parts[0] == "applications" and parts[-1] == "commands" and method == "PUT" and isinstance(body, list):
        return [
            _under(f"{index}", problem)
            for index, command in enumerate(body)
            for problem in problems_at_root(command, command_problems)
        ]
    if parts[0] == "applications" and "commands" in parts and method in ("POST", "PATCH"):
        return problems_at_root(body, command_problems)
    return []


def problems_at_root(body: Any, check: Any) -> list[Problem]:
    if not isinstance(body, dict):
        return [Problem("", "the body is not a JSON object")]
    result: list[Problem] = check(body)
    return result


# -- messages -----------------------------------------------------------------------------------


def message_problems(message: dict[str, Any]) -> list[Problem]:
    """A message body to create or edit: content, embeds, components, allowed_mentions."""
    problems: list[Problem] = []
    content = message.get("content")
    if content is not None:
        if not isinstance(content, str):
            problems.append(Problem("content", "is not text"))
        elif len(content) > limits.CONTENT:
            problems.append(Problem("content", _over(len(content), limits.CONTENT)))
    embeds = message.get("embeds")
    if embeds is not None:
        problems += _embeds_problems(embeds)
    components = message.get("components")
    if components is not None:
        problems += _components_problems(components, path="components", in_modal=False)
    if isinstance(content, str) and content and "allowed_mentions" not in message:
        problems.append(
            Problem(
                "allowed_mentions",
                "missing: a message with text must say whom it may ping (none: {'parse': []})",
                refused=False,
            )
        )
    return problems


def _embeds_problems(embeds: Any) -> list[Problem]:
    if not isinstance(embeds, list):
        return [Problem("embeds", "is not a list")]
    problems: list[Problem] = []
    if len(embeds) > limits.EMBEDS_PER_MESSAGE:
        problems.append(Problem("embeds", _over(len(embeds), limits.EMBEDS_PER_MESSAGE, "embeds")))
    total = 0
    for index, embed in enumerate(embeds):
        path = f"embeds.{index}"
        if not isinstance(embed, dict):
            problems.append(Problem(path, "is not an object"))
            continue
        counted: list[tuple[str, Any, int]] = [
            (f"{path}.title", embed.get("title"), limits.EMBED_TITLE),
            (f"{path}.description", embed.get("description"), limits.EMBED_DESCRIPTION),
            (f"{path}.footer.text", (embed.get("footer") or {}).get("text"), limits.EMBED_FOOTER),
            (f"{path}.author.name", (embed.get("author") or {}).get("name"), limits.EMBED_AUTHOR),
        ]
        fields = embed.get("fields") or []
        if len(fields) > limits.EMBED_FIELDS:
            problems.append(Problem(f"{path}.fields", _over(len(fields), limits.EMBED_FIELDS, "fields")))
        for number, item in enumerate(fields):
            item = item if isinstance(item, dict) else {}
            for key, limit in (("name", limits.EMBED_FIELD_NAME), ("value", limits.EMBED_FIELD_VALUE)):
                text = item.get(key)
                if not isinstance(text, str) or not text:
                    problems.append(Problem(f"{path}.fields.{number}.{key}", "is required"))
                counted.append((f"{path}.fields.{number}.{key}", text, limit))
        for where, text, limit in counted:
            if isinstance(text, str):
                total += len(text)
                if len(text) > limit:
                    problems.append(Problem(where, _over(len(text), limit)))
    if total > limits.EMBED_TOTAL:
        problems.append(Problem("embeds", f"{total} characters in all embeds, over Discord's {limits.EMBED_TOTAL}"))
    return problems


# -- components ---------------------------------------------------------------------------------


def _components_problems(rows: Any, *, path: str, in_modal: bool) -> list[Problem]:
    if not isinstance(rows, list):
        return [Problem(path, "is not a list")]
    problems: list[Problem] = []
    if len(rows) > limits.ACTION_ROWS:
        problems.append(Problem(path, _over(len(rows), limits.ACTION_ROWS, "action rows")))
    custom_ids: dict[str, str] = {}
    for index, row in enumerate(rows):
        row_path = f"{path}.{index}"
        if not isinstance(row, dict) or row.get("type") != ACTION_ROW:
            problems.append(Problem(row_path, "is not an action row (type 1)"))
            continue
        children = row.get("components")
        if not isinstance(children, list) or not children:
            problems.append(Problem(f"{row_path}.components", "an action row needs 1 to 5 components"))
            continue
        wide = [child for child in children if isinstance(child, dict) and child.get("type") != BUTTON]
        if len(children) > limits.COMPONENTS_PER_ROW:
            problems.append(
                Problem(f"{row_path}.components", _over(len(children), limits.COMPONENTS_PER_ROW, "components"))
            )
        elif wide and len(children) > 1:
            problems.append(Problem(f"{row_path}.components", "a select menu or text input must be alone in its row"))
        for number, child in enumerate(children):
            child_path = f"{row_path}.components.{number}"
            problems += _component_problems(child, path=child_path, in_modal=in_modal)
            custom_id = child.get("custom_id") if isinstance(child, dict) else None
            if isinstance(custom_id, str):
                if custom_id in custom_ids:
                    problems.append(
                        Problem(f"{child_path}.custom_id", f"{custom_id!r} is also {custom_ids[custom_id]}'s")
                    )
                custom_ids.setdefault(custom_id, child_path)
    return problems


def _component_problems(component: Any, *, path: str, in_modal: bool) -> list[Problem]:
    if not isinstance(component, dict):
        return [Problem(path, "is not an object")]
    kind = component.get("type")
    if in_modal and kind != TEXT_INPUT:
        return [Problem(f"{path}.type", f"a modal holds text inputs (type 4), not type {kind}")]
    if not in_modal and kind == TEXT_INPUT:
        return [Problem(f"{path}.type", "a text input belongs in a modal, not a message")]
    if kind == BUTTON:
        return _button_problems(component, path)
    if kind in SELECTS:
        return _select_problems(component, path)
    if kind == TEXT_INPUT:
        return _text_input_problems(component, path)
    return [Problem(f"{path}.type", f"component type {kind} is not one the bot may send here")]


def _custom_id_problems(component: dict[str, Any], path: str) -> list[Problem]:
    custom_id = component.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        return [Problem(f"{path}.custom_id", "is required")]
    if len(custom_id) > limits.CUSTOM_ID:
        return [Problem(f"{path}.custom_id", _over(len(custom_id), limits.CUSTOM_ID))]
    return []


def _button_problems(button: dict[str, Any], path: str) -> list[Problem]:
    problems = _text_problems(button, "label", path, limits.BUTTON_LABEL, required=False)
    style = button.get("style")
    if style == LINK_STYLE:
        if not button.get("url"):
            problems.append(Problem(f"{path}.url", "a link button needs a url"))
        if "custom_id" in button:
            problems.append(Problem(f"{path}.custom_id", "a link button has no custom_id"))
    elif style == PREMIUM_STYLE:
        if not button.get("sku_id"):
            problems.append(Problem(f"{path}.sku_id", "a premium button needs a sku_id"))
    elif style in (1, 2, 3, 4):
        problems += _custom_id_problems(button, path)
    else:
        problems.append(Problem(f"{path}.style", f"{style!r} is not a button style (1-6)"))
    if style != PREMIUM_STYLE and not button.get("label") and not button.get("emoji"):
        problems.append(Problem(f"{path}.label", "a button needs a label or an emoji"))
    return problems


def _select_problems(select: dict[str, Any], path: str) -> list[Problem]:
    problems = _custom_id_problems(select, path)
    problems += _text_problems(select, "placeholder", path, limits.SELECT_PLACEHOLDER, required=False)
    minimum, maximum = select.get("min_values", 1), select.get("max_values", 1)
    if not isinstance(minimum, int) or not 0 <= minimum <= limits.SELECT_VALUES:
        problems.append(Problem(f"{path}.min_values", f"must be 0 to {limits.SELECT_VALUES}"))
    if not isinstance(maximum, int) or not 1 <= maximum <= limits.SELECT_VALUES:
        problems.append(Problem(f"{path}.max_values", f"must be 1 to {limits.SELECT_VALUES}"))
    if select.get("type") != STRING_SELECT:
        return problems
    options = select.get("options")
    if not isinstance(options, list) or not options:
        return [*problems, Problem(f"{path}.options", "a string select needs 1 to 25 options")]
    if len(options) > limits.SELECT_OPTIONS:
        problems.append(Problem(f"{path}.options", _over(len(options), limits.SELECT_OPTIONS, "options")))
    if isinstance(maximum, int) and maximum > len(options):
        problems.append(Problem(f"{path}.max_values", f"{maximum} is more than the {len(options)} options"))
    for index, option in enumerate(options):
        option_path = f"{path}.options.{index}"
        option = option if isinstance(option, dict) else {}
        problems += _text_problems(option, "label", option_path, limits.SELECT_OPTION_LABEL, required=True)
        problems += _text_problems(option, "value", option_path, limits.SELECT_OPTION_VALUE, required=True)
        problems += _text_problems(option, "description", option_path, limits.SELECT_OPTION_DESCRIPTION, required=False)
    return problems


def _text_input_problems(text_input: dict[str, Any], path: str) -> list[Problem]:
    problems = _custom_id_problems(text_input, path)
    problems += _text_problems(text_input, "label", path, limits.TEXT_INPUT_LABEL, required=True)
    problems += _text_problems(text_input, "placeholder", path, limits.TEXT_INPUT_PLACEHOLDER, required=False)
    problems += _text_problems(text_input, "value", path, limits.TEXT_INPUT_VALUE, required=False)
    if text_input.get("style") not in (1, 2):
        problems.append(Problem(f"{path}.style", "must be 1 (short) or 2 (paragraph)"))
    minimum, maximum = text_input.get("min_length"), text_input.get("max_length")
    if minimum is not None and (not isinstance(minimum, int) or not 0 <= minimum <= limits.TEXT_INPUT_VALUE):
        problems.append(Problem(f"{path}.min_length", f"must be 0 to {limits.TEXT_INPUT_VALUE}"))
    if maximum is not None and (not isinstance(maximum, int) or not 1 <= maximum <= limits.TEXT_INPUT_VALUE):
        problems.append(Problem(f"{path}.max_length", f"must be 1 to {limits.TEXT_INPUT_VALUE}"))
    return problems


# -- interaction responses ----------------------------------------------------------------------


def interaction_response_problems(response: dict[str, Any]) -> list[Problem]:
    """An interaction callback body: a message (4, 7), a defer (5, 6), choices (8) or a modal (9)."""
    kind = response.get("type")
    data = response.get("data")
    if kind in (PONG, DEFERRED_MESSAGE, DEFERRED_UPDATE):
        return []
    if not isinstance(data, dict):
        return [Problem("data", f"a type {kind} response needs data")]
    if kind in (MESSAGE, UPDATE_MESSAGE):
        return [_under("data", problem) for problem in message_problems(data)]
    if kind == AUTOCOMPLETE:
        return [_under("data", problem) for problem in _choices_problems(data.get("choices"), "choices")]
    if kind == MODAL:
        return [_under("data", problem) for problem in _modal_problems(data)]
    return [Problem("type", f"{kind!r} is not an interaction response the bot sends (1, 4-9)")]


def _modal_problems(modal: dict[str, Any]) -> list[Problem]:
    problems = _custom_id_problems(modal, "")
    problems += _text_problems(modal, "title", "", limits.MODAL_TITLE, required=True)
    rows = modal.get("components")
    if not isinstance(rows, list) or not rows:
        problems.append(Problem("components", "a modal needs 1 to 5 components"))
    elif all(isinstance(row, dict) and row.get("type") == ACTION_ROW for row in rows):
        problems += _components_problems(rows, path="components", in_modal=True)
    else:
        problems += _modal_labels_problems(rows)
    return [Problem(problem.path.lstrip("."), problem.message, problem.refused) for problem in problems]


def _modal_labels_problems(items: list[Any]) -> list[Problem]:
    """A modal of Labels (type 18, each holding a text input or a select) and text displays (type 10)."""
    problems: list[Problem] = []
    if len(items) > limits.ACTION_ROWS:
        problems.append(Problem("components", _over(len(items), limits.ACTION_ROWS, "components")))
    custom_ids: dict[str, str] = {}
    for index, item in enumerate(items):
        path = f"components.{index}"
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == TEXT_DISPLAY:
            problems += _text_problems(item, "content", path, limits.TEXT_INPUT_VALUE, required=True)
            continue
        if kind == ACTION_ROW:
            problems += [_under(path, p) for p in _components_problems([item], path="", in_modal=True)]
            continue
        if kind != LABEL:
            problems.append(Problem(path, f"a modal holds labels (18), text displays (10) or rows, not type {kind}"))
            continue
        problems += _text_problems(item, "label", path, limits.TEXT_INPUT_LABEL, required=True)
        problems += _text_problems(item, "description", path, limits.LABEL_DESCRIPTION, required=False)
        inner = item.get("component")
        inner_path = f"{path}.component"
        inner_kind = inner.get("type") if isinstance(inner, dict) else None
        if inner_kind == TEXT_INPUT:
            # its label is the Label's text, checked above
            problems += _text_input_problems({**inner, "label": "-"}, inner_path)
        elif inner_kind in SELECTS:
            problems += _select_problems(inner, inner_path)
        else:
            problems.append(Problem(f"{inner_path}.type", f"a Label holds a text input or a select, not {inner_kind}"))
        custom_id = inner.get("custom_id") if isinstance(inner, dict) else None
        if isinstance(custom_id, str):
            if custom_id in custom_ids:
                problems.append(Problem(f"{inner_path}.custom_id", f"{custom_id!r} is also {custom_ids[custom_id]}'s"))
            custom_ids.setdefault(custom_id, inner_path)
    return problems


def _choices_problems(choices: Any, path: str) -> list[Problem]:
    if not isinstance(choices, list):
        return [Problem(path, "is not a list")]
    problems: list[Problem] = []
    if len(choices) > limits.AUTOCOMPLETE_CHOICES:
        problems.append(Problem(path, _over(len(choices), limits.AUTOCOMPLETE_CHOICES, "choices")))
    for index, choice in enumerate(choices):
        choice = choice if isinstance(choice, dict) else {}
        problems += _text_problems(choice, "name", f"{path}.{index}", limits.CHOICE_NAME, required=True)
        value = choice.get("value")
        if isinstance(value, str) and len(value) > limits.CHOICE_VALUE:
            problems.append(Problem(f"{path}.{index}.value", _over(len(value), limits.CHOICE_VALUE)))
        elif value is None:
            problems.append(Problem(f"{path}.{index}.value", "is required"))
    return problems


# -- application commands -----------------------------------------------------------------------


def command_problems(command: dict[str, Any], path: str = "", *, is_option: bool = False) -> list[Problem]:
    """A slash command (or one of its options, recursively): name, description, options, choices."""
    problems: list[Problem] = []
    name = command.get("name")
    slash = is_option or command.get("type", 1) == 1
    if not isinstance(name, str) or not COMMAND_NAME_PATTERN.match(name) or (slash and name != name.lower()):
        problems.append(
            Problem(_join(path, "name"), f"{name!r} is not 1-{limits.COMMAND_NAME} lowercase letters, digits, - or _")
        )
    if slash:
        problems += _text_problems(command, "description", path, limits.COMMAND_DESCRIPTION, required=True)
    options = command.get("options") or []
    if len(options) > limits.COMMAND_OPTIONS:
        problems.append(Problem(_join(path, "options"), _over(len(options), limits.COMMAND_OPTIONS, "options")))
    for index, option in enumerate(options):
        if isinstance(option, dict):
            problems += command_problems(option, _join(path, f"options.{index}"), is_option=True)
    choices = command.get("choices")
    if choices is not None:
        if isinstance(choices, list) and len(choices) > limits.COMMAND_CHOICES:
            problems.append(Problem(_join(path, "choices"), _over(len(choices), limits.COMMAND_CHOICES, "choices")))
        else:
            problems += _choices_problems(choices, _join(path, "choices"))
    return problems


# -- helpers ------------------------------------------------------------------------------------


def _text_problems(owner: dict[str, Any], key: str, path: str, limit: int, *, required: bool) -> list[Problem]:
    text = owner.get(key)
    where = _join(path, key)
    if text is None or text == "":
        return [Problem(where, "is required")] if required else []
    if not isinstance(text, str):
        return [Problem(where, "is not text")]
    if len(text) > limit:
        return [Problem(where, _over(len(text), limit))]
    return []


def _over(count: int, limit: int, what: str = "characters") -> str:
    return f"{count} {what}, over Discord's {limit}"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _under(prefix: str, problem: Problem) -> Problem:
    return Problem(_join(prefix, problem.path) if problem.path else prefix, problem.message, problem.refused)


def form_body_errors(problems: list[Problem]) -> dict[str, Any]:
    """Discord's 50035 ``errors`` object: the path as nested keys, ``_errors`` with code and message."""
    errors: dict[str, Any] = {}
    for problem in problems:
        node = errors
        for key in filter(None, problem.path.split(".")):
            node = node.setdefault(key, {})
        node.setdefault("_errors", []).append({"code": "BASE_TYPE_INVALID", "message": problem.message})
    return errors
