"""Door fields built on ``dkp.core.numbers``: the API's serializer fields and filters, page form
fields and the URL converter for ids. They only convert types; the ranges they check are the
``WholeNumber`` constants the services own, so every door refuses with the service's sentence.
"""

from __future__ import annotations

from typing import Any

import django_filters
import django_filters.rest_framework
from django import forms
from django.db import models
from rest_framework import serializers

from dkp.core.errors import InvalidInput
from dkp.core.numbers import MAX_ID, WholeNumber, record_id

# --- the API -------------------------------------------------------------------------------------


class WholeNumberField(serializers.IntegerField):
    """A whole number in a JSON body, read by ``rule``: 50 or "50"; never 50.0, "+50", " 50 " or true.

    An ``IntegerField`` underneath only so the OpenAPI schema says integer with the rule's range.
    """

    def __init__(self, rule: WholeNumber, **kwargs: Any) -> None:
        self.rule = rule
        kwargs.setdefault("min_value", rule.minimum)
        kwargs.setdefault("max_value", rule.maximum)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        try:
            return self.rule.parse(data)
        except InvalidInput as error:
            raise serializers.ValidationError(error.message, code=error.code) from None


class WholeNumberRelatedField(serializers.PrimaryKeyRelatedField):
    """A row named by its id in a JSON body; the id is read strictly (2.5 is not row 2)."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if data == "":  # DRF reads "" as null for a relation; here it is a bad id like any other text
            self.to_internal_value(data)
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> Any:
        try:
            pk = record_id(self.field_name or "id").parse(data)
        except InvalidInput as error:
            raise serializers.ValidationError(error.message, code=error.code) from None
        return super().to_internal_value(pk)


# --- pages and query strings ---------------------------------------------------------------------


class WholeNumberFormField(forms.IntegerField):
    """A whole number typed into a page's form, read by ``rule``; blank is "required" as usual."""

    def __init__(self, rule: WholeNumber, **kwargs: Any) -> None:
        self.rule = rule
        kwargs.setdefault("min_value", rule.minimum)
        kwargs.setdefault("max_value", rule.maximum)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return self.rule.parse(value)
        except InvalidInput as error:
            raise forms.ValidationError(error.message, code=error.code) from None


class IdFormField(WholeNumberFormField):
    """A row's id in a form or a query string."""

    def __init__(self, *, label_in_errors: str = "id", **kwargs: Any) -> None:
        super().__init__(record_id(label_in_errors), **kwargs)


class IdChoiceField(forms.ModelChoiceField):
    """A row chosen in a form (a select, an admin raw-id box), its id read strictly."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        try:
            pk = record_id(str(self.label or "The choice")).parse(value if isinstance(value, int) else str(value))
        except InvalidInput:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None
        return super().to_python(str(pk))


class IdFilter(django_filters.Filter):
    """``?pool=3``: an id read strictly, a 400 with the one error shape for anything else."""

    field_class = IdFormField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        name = str(kwargs.get("field_name") or "id")
        kwargs.setdefault("label_in_errors", name.removesuffix("_id"))
        super().__init__(*args, **kwargs)


class GuildFilterSet(django_filters.rest_framework.FilterSet):
    """A FilterSet whose generated filters on ids (``?raid=``, ``?pool=``) are ``IdFilter``s.

    django-filter's defaults read ``+5`` or ``١٢`` as row 5 or 12; these read ids strictly.
    """

    @classmethod
    def filter_for_lookup(cls, field: Any, lookup_type: str) -> tuple[Any, dict[str, Any]]:
        if lookup_type == "exact" and (field.is_relation or isinstance(field, models.AutoField)):
            return IdFilter, {}
        return super().filter_for_lookup(field, lookup_type)


class GuildFilterBackend(django_filters.rest_framework.DjangoFilterBackend):
    """The API's filter backend: views' ``filterset_fields`` are built on ``GuildFilterSet``."""

    filterset_base = GuildFilterSet


def id_from_text(text: str, *, label: str, status: int | None = None) -> int | None:
    """A page's optional id parameter (a select's value, ``?pool=``): None when blank, else strict.

    ``status`` changes the refusal's status (400 for a query string, rather than 422 for a form).
    """
    if text == "":
        return None
    try:
        return record_id(label).parse(text)
    except InvalidInput as refused:
        raise InvalidInput(refused.message, code=refused.code, status=status) from None


# --- URLs ----------------------------------------------------------------------------------------


class IdConverter:
    """``<id:raid_id>`` in a page's path: 1 to 19 ASCII digits within the database's range.

    Anything else matches no route, so the page answers 404 instead of a database overflow.
    """

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(value)  # Django reads a ValueError as "this route does not match"
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)
