"""The payload check: each of Discord's documented limits, a payload just within it and one just over."""

from __future__ import annotations

from typing import Any

import pytest

from dkp.discord import limits
from dkp.discord.payloads import form_body_errors, payload_problems, problems_in, request_problems

NONE_PINGED: dict[str, list[str]] = {"parse": []}


def message(**fields: Any) -> dict[str, Any]:
    return {"content": "Bids are open", "allowed_mentions": NONE_PINGED, **fields}


def button(custom_id: str = "dkp:bid:1", label: str = "Bid", **fields: Any) -> dict[str, Any]:
    return {"type": 2, "style": 1, "custom_id": custom_id, "label": label, **fields}


def row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def select(count: int = 3, **fields: Any) -> dict[str, Any]:
    choices = [{"label": f"Option {n}", "value": str(n)} for n in range(count)]
    return {"type": 3, "custom_id": "dkp:pick", "options": choices, **fields}


def text_input(**fields: Any) -> dict[str, Any]:
    return {"type": 4, "custom_id": "amount", "style": 1, "label": "Your bid", **fields}


def modal(*inputs: dict[str, Any], title: str = "Bid on Cloak of Flames") -> dict[str, Any]:
    rows = [row(item) for item in inputs] or [row(text_input())]
    return {"type": 9, "data": {"custom_id": "dkp:bid-form:1:abc", "title": title, "components": rows}}


def embed(**fields: Any) -> dict[str, Any]:
    return {"title": "Cloak of Flames", **fields}


def test_a_plain_message_within_every_limit_has_no_problems() -> None:
    assert payload_problems(message(components=[row(button())])) == []


def within_and_over(limit: int, make: Any) -> tuple[list[str], list[str]]:
    return payload_problems(make(limit)), payload_problems(make(limit + 1))


CASES: list[tuple[str, int, Any, str]] = [
    ("content", limits.CONTENT, lambda n: message(content="x" * n), "content: 2001 characters, over Discord's 2000"),
    (
        "embed title",
        limits.EMBED_TITLE,
        lambda n: message(embeds=[embed(title="x" * n)]),
        "embeds.0.title: 257 characters, over Discord's 256",
    ),
    (
        "embed description",
        limits.EMBED_DESCRIPTION,
        lambda n: message(embeds=[embed(description="x" * n)]),
        "embeds.0.description: 4097 characters, over Discord's 4096",
    ),
    (
        "embed field value",
        limits.EMBED_FIELD_VALUE,
        lambda n: message(embeds=[embed(fields=[{"name": "Winners", "value": "x" * n}])]),
        "embeds.0.fields.0.value: 1025 characters, over Discord's 1024",
    ),
    (
        "embed field name",
        limits.EMBED_FIELD_NAME,
        lambda n: message(embeds=[embed(fields=[{"name": "x" * n, "value": "1"}])]),
        "embeds.0.fields.0.name: 257 characters, over Discord's 256",
    ),
    (
        "embed fields",
        limits.EMBED_FIELDS,
        lambda n: message(embeds=[embed(fields=[{"name": "n", "value": "v"}] * n)]),
        "embeds.0.fields: 26 fields, over Discord's 25",
    ),
    (
        "embed footer",
        limits.EMBED_FOOTER,
        lambda n: message(embeds=[embed(title="", footer={"text": "x" * n})]),
        "embeds.0.footer.text: 2049 characters, over Discord's 2048",
    ),
    (
        "embed author",
        limits.EMBED_AUTHOR,
        lambda n: message(embeds=[embed(author={"name": "x" * n})]),
        "embeds.0.author.name: 257 characters, over Discord's 256",
    ),
    (
        "embeds per message",
        limits.EMBEDS_PER_MESSAGE,
        lambda n: message(embeds=[embed()] * n),
        "embeds: 11 embeds, over Discord's 10",
    ),
    (
        "all embeds together",
        limits.EMBED_TOTAL,
        # three embeds of 2,000 description characters, the title making up the rest
        lambda n: message(
            embeds=[embed(title="", description="x" * 2000)] * 2 + [embed(title="", description="x" * (n - 4000))]
        ),
        "embeds: 6001 characters in all embeds, over Discord's 6000",
    ),
    (
        "action rows",
        limits.ACTION_ROWS,
        lambda n: message(components=[row(button(f"b{i}")) for i in range(n)]),
        "components: 6 action rows, over Discord's 5",
    ),
    (
        "buttons in a row",
        limits.COMPONENTS_PER_ROW,
        lambda n: message(components=[row(*(button(f"b{i}") for i in range(n)))]),
        "components.0.components: 6 components, over Discord's 5",
    ),
    (
        "custom id",
        limits.CUSTOM_ID,
        lambda n: message(components=[row(button("x" * n))]),
        "components.0.components.0.custom_id: 101 characters, over Discord's 100",
    ),
    (
        "button label",
        limits.BUTTON_LABEL,
        lambda n: message(components=[row(button(label="x" * n))]),
        "components.0.components.0.label: 81 characters, over Discord's 80",
    ),
    (
        "select options",
        limits.SELECT_OPTIONS,
        lambda n: message(components=[row(select(n))]),
        "components.0.components.0.options: 26 options, over Discord's 25",
    ),
    (
        "select placeholder",
        limits.SELECT_PLACEHOLDER,
        lambda n: message(components=[row(select(placeholder="x" * n))]),
        "components.0.components.0.placeholder: 151 characters, over Discord's 150",
    ),
    (
        "select option label",
        limits.SELECT_OPTION_LABEL,
        lambda n: message(components=[row(select(options=[{"label": "x" * n, "value": "1"}]))]),
        "components.0.components.0.options.0.label: 101 characters, over Discord's 100",
    ),
    (
        "select option description",
        limits.SELECT_OPTION_DESCRIPTION,
        lambda n: message(components=[row(select(options=[{"label": "a", "value": "1", "description": "x" * n}]))]),
        "components.0.components.0.options.0.description: 101 characters, over Discord's 100",
    ),
    (
        "reply content",
        limits.CONTENT,
        lambda n: {"type": 4, "data": message(content="x" * n)},
        "data.content: 2001 characters, over Discord's 2000",
    ),
    (
        "updated message content",
        limits.CONTENT,
        lambda n: {"type": 7, "data": message(content="x" * n)},
        "data.content: 2001 characters, over Discord's 2000",
    ),
    ("modal title", limits.MODAL_TITLE, lambda n: modal(title="x" * n), "data.title: 46 characters, over Discord's 45"),
    (
        "text input label",
        limits.TEXT_INPUT_LABEL,
        lambda n: modal(text_input(label="x" * n)),
        "data.components.0.components.0.label: 46 characters, over Discord's 45",
    ),
    (
        "text input placeholder",
        limits.TEXT_INPUT_PLACEHOLDER,
        lambda n: modal(text_input(placeholder="x" * n)),
        "data.components.0.components.0.placeholder: 101 characters, over Discord's 100",
    ),
    (
        "text input value",
        limits.TEXT_INPUT_VALUE,
        lambda n: modal(text_input(style=2, value="x" * n)),
        "data.components.0.components.0.value: 4001 characters, over Discord's 4000",
    ),
    (
        "text inputs in a modal",
        limits.ACTION_ROWS,
        lambda n: modal(*(text_input(custom_id=f"t{i}") for i in range(n))),
        "data.components: 6 action rows, over Discord's 5",
    ),
    (
        "autocomplete choices",
        limits.AUTOCOMPLETE_CHOICES,
        lambda n: {"type": 8, "data": {"choices": [{"name": f"c{i}", "value": str(i)} for i in range(n)]}},
        "data.choices: 26 choices, over Discord's 25",
    ),
    (
        "autocomplete choice name",
        limits.CHOICE_NAME,
        lambda n: {"type": 8, "data": {"choices": [{"name": "x" * n, "value": "1"}]}},
        "data.choices.0.name: 101 characters, over Discord's 100",
    ),
    (
        "autocomplete choice value",
        limits.CHOICE_VALUE,
        lambda n: {"type": 8, "data": {"choices": [{"name": "a", "value": "x" * n}]}},
        "data.choices.0.value: 101 characters, over Discord's 100",
    ),
    (
        "command description",
        limits.COMMAND_DESCRIPTION,
        lambda n: {"name": "standings", "type": 1, "description": "x" * n},
        "description: 101 characters, over Discord's 100",
    ),
    (
        "command options",
        limits.COMMAND_OPTIONS,
        lambda n: {
            "name": "bid",
            "description": "Bid",
            "options": [{"type": 3, "name": f"o{i}", "description": "d"} for i in range(n)],
        },
        "options: 26 options, over Discord's 25",
    ),
]


@pytest.mark.parametrize(("limit", "make", "problem"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_payload_just_within_a_limit_passes_and_one_just_over_is_named_with_its_path(limit, make, problem) -> None:
    within, over = within_and_over(limit, make)

    assert within == []
    assert over == [problem]


def test_a_command_name_must_be_lowercase_and_at_most_32_characters() -> None:
    assert payload_problems({"name": "x" * 32, "description": "d"}) == []
    assert payload_problems({"name": "x" * 33, "description": "d"}) == [
        f"name: {'x' * 33!r} is not 1-32 lowercase letters, digits, - or _"
    ]
    assert payload_problems({"name": "Auction", "description": "d"}) == [
        "name: 'Auction' is not 1-32 lowercase letters, digits, - or _"
    ]


def test_a_message_with_text_and_no_allowed_mentions_is_named_but_not_what_discord_refuses() -> None:
    problems = problems_in({"content": "Congratulations @everyone"})

    assert [str(problem) for problem in problems] == [
        "allowed_mentions: missing: a message with text must say whom it may ping (none: {'parse': []})"
    ]
    assert not problems[0].refused
    assert payload_problems({"embeds": [embed()]}) == []  # an embed cannot ping anyone


def test_a_select_or_text_input_shares_its_row_with_nothing() -> None:
    assert payload_problems(message(components=[row(select(), button())])) == [
        "components.0.components: a select menu or text input must be alone in its row"
    ]


def test_two_components_of_one_message_may_not_share_a_custom_id() -> None:
    problems = payload_problems(message(components=[row(button("dkp:vote:1")), row(button("dkp:vote:1"))]))

    assert problems == ["components.1.components.0.custom_id: 'dkp:vote:1' is also components.0.components.0's"]


def test_a_link_button_has_a_url_and_no_custom_id() -> None:
    link = {"type": 2, "style": 5, "label": "Open the auction", "url": "http://dkp.test/auctions/1"}
    assert payload_problems(message(components=[row(link)])) == []
    assert payload_problems(message(components=[row({**link, "url": "", "custom_id": "x"})])) == [
        "components.0.components.0.url: a link button needs a url",
        "components.0.components.0.custom_id: a link button has no custom_id",
    ]


def test_a_modal_needs_a_title_and_text_inputs_only() -> None:
    assert payload_problems(modal()) == []
    no_title = modal()
    no_title["data"]["title"] = ""
    assert payload_problems(no_title) == ["data.title: is required"]
    with_button = modal()
    with_button["data"]["components"] = [row(button())]
    assert payload_problems(with_button) == [
        "data.components.0.components.0.type: a modal holds text inputs (type 4), not type 2"
    ]


def test_defers_carry_nothing_to_check() -> None:
    assert payload_problems({"type": 5}) == []
    assert payload_problems({"type": 6}) == []
    assert payload_problems({"type": 5, "data": {"flags": 64}}) == []


def test_request_problems_checks_messages_callbacks_follow_ups_and_command_registration_by_route() -> None:
    long = message(content="x" * 2001)

    assert [str(p) for p in request_problems("POST", "/api/v10/channels/7/messages", long)] == [
        "content: 2001 characters, over Discord's 2000"
    ]
    assert [str(p) for p in request_problems("PATCH", "/channels/7/messages/8", long)] == [
        "content: 2001 characters, over Discord's 2000"
    ]
    assert [str(p) for p in request_problems("PATCH", "/webhooks/1/tok/messages/@original", long)] == [
        "content: 2001 characters, over Discord's 2000"
    ]
    assert [str(p) for p in request_problems("POST", "/interactions/1/tok/callback", {"type": 4, "data": long})] == [
        "data.content: 2001 characters, over Discord's 2000"
    ]
    commands = [{"name": "ok", "description": "d"}, {"name": "Bad", "description": "d"}]
    assert [str(p) for p in request_problems("PUT", "/applications/1/guilds/2/commands", commands)] == [
        "1.name: 'Bad' is not 1-32 lowercase letters, digits, - or _"
    ]
    assert request_problems("GET", "/channels/7/messages", None) == []
    assert request_problems("PUT", "/guilds/1/members/2/roles/3", None) == []


def test_form_body_errors_nest_the_path_as_discord_does() -> None:
    problems = problems_in(message(content="x" * 2001, embeds=[embed(title="x" * 257)]))

    assert form_body_errors(problems) == {
        "content": {"_errors": [{"code": "BASE_TYPE_INVALID", "message": "2001 characters, over Discord's 2000"}]},
        "embeds": {
            "0": {
                "title": {"_errors": [{"code": "BASE_TYPE_INVALID", "message": "257 characters, over Discord's 256"}]}
            }
        },
    }


def labelled(label: str = "Your main character's name", **text_input_fields: Any) -> dict[str, Any]:
    return {
        "type": 18,
        "label": label,
        "component": {"type": 4, "custom_id": "character", "style": 1, **text_input_fields},
    }


def test_a_modal_of_labels_is_checked_like_discord_checks_its_text_inputs() -> None:
    def apply_form(*items: dict[str, Any]) -> dict[str, Any]:
        return {"type": 9, "data": {"custom_id": "dkp:apply", "title": "Apply to the guild", "components": list(items)}}

    assert payload_problems(apply_form(labelled("x" * 45, max_length=15))) == []
    assert payload_problems(apply_form(labelled("x" * 46))) == [
        "data.components.0.label: 46 characters, over Discord's 45"
    ]
    described = {**labelled(), "description": "x" * 101}
    assert payload_problems(apply_form(described)) == [
        "data.components.0.description: 101 characters, over Discord's 100"
    ]
    assert payload_problems(apply_form(labelled(placeholder="x" * 101))) == [
        "data.components.0.component.placeholder: 101 characters, over Discord's 100"
    ]
    six = [labelled(custom_id=f"q{n}") for n in range(6)]
    assert payload_problems(apply_form(*six)) == ["data.components: 6 components, over Discord's 5"]
