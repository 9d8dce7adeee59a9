"""What imports brought in, read-only: the runs, the source rows they recorded, the grouping of
imported characters and the history that waits for owners. Imports are made with ``import_guild``
or /officer/import/, never here."""

from django.contrib import admin

from dkp.core.admin import ReadOnlyAdmin
from dkp.switching.models import ImportedCharacter, ImportRun, PendingEntry, SourceRecord


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ("label", "system", "created_at", "created_by", "differences_accepted")
    list_filter = ("system",)
    search_fields = ("label", "source_id")
    list_select_related = ("created_by",)


@admin.register(SourceRecord)
class SourceRecordAdmin(ReadOnlyAdmin):
    list_display = ("kind", "key", "object_id", "amount", "run")
    list_filter = ("kind",)
    search_fields = ("key", "source_id")
    list_select_related = ("run",)


@admin.register(ImportedCharacter)
class ImportedCharacterAdmin(ReadOnlyAdmin):
    list_display = ("character", "main", "rank", "run")
    search_fields = ("character__name", "main__name")
    list_select_related = ("character", "main", "run")


@admin.register(PendingEntry)
class PendingEntryAdmin(ReadOnlyAdmin):
    list_display = ("character_name", "kind", "amount", "pool", "occurred_at", "memo", "applied_at", "applied_to")
    list_filter = ("kind", "pool")
    search_fields = ("character_name", "memo", "item_name")
    list_select_related = ("pool", "applied_to")
