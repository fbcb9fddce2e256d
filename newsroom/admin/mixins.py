"""What every ModelAdmin of ours shares: read-only records, choices limited to what the user may
see, and change-list date filters that cannot leave the calendar."""

from django.contrib import admin, messages
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateField
from django.forms import ModelMultipleChoiceField
from django.http import HttpResponseRedirect
from django.urls import path

from newsroom.params import DATE_RANGE_MESSAGE, EARLIEST_DATE, LATEST_DATE, ascii_int, parse_date

CHOICE_REFUSED = "고를 수 없는 항목입니다: 없거나 볼 수 없는 항목입니다. 목록에서 다시 고르세요."


class ReadOnlyAdminMixin:
    """For records written only by the system (history, statistics, readings): staff with the
    view permission may list and open them; nobody adds, edits or deletes them by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AdministratorsOnlyMixin:
    """Screens for administrators (superusers) alone, whatever permissions a group is given."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class VisibleLinksField(ModelMultipleChoiceField):
    """A many-to-many choice whose form never shows the links the user may not see (the save
    keeps them): only a difference among the visible ones is a change."""

    def has_changed(self, initial, data):
        if not super().has_changed(initial, data):
            return False
        before = {str(value) for value in self.prepare_value(initial or [])}
        after = {str(value) for value in data or []}
        if after - before:
            return True
        key = self.to_field_name or "pk"
        return self.queryset.filter(**{f"{key}__in": before - after}).exists()


class VisibleChoicesMixin:
    """Every foreign-key and many-to-many widget of this admin's forms (select, autocomplete)
    offers, renders and accepts only what the target model's own admin lists for this user
    (its `get_queryset`, the one visibility rule): the selected `<option>` of an article the
    user may not see would print its title. An id outside that queryset is a form error, and
    links to objects the user cannot see are kept as they were when the form is saved.

    Raw-id widgets are refused (check below): they print the chosen object's label read from
    the whole table, past any queryset."""

    def get_field_queryset(self, db, db_field, request):
        model = db_field.remote_field.model
        if not self.admin_site.is_registered(model):
            return super().get_field_queryset(db, db_field, request)
        related_admin = self.admin_site.get_model_admin(model)
        # The list's prefetches serve the list's columns, not a choice.
        return related_admin.get_queryset(request).using(db).prefetch_related(None)

    def _limited(self, kwargs):
        kwargs.setdefault("error_messages", {}).setdefault("invalid_choice", CHOICE_REFUSED)
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(db_field, request, **self._limited(kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", VisibleLinksField)
        return super().formfield_for_manytomany(db_field, request, **self._limited(kwargs))

    def save_related(self, request, form, formsets, change):
        hidden = {}
        if change:
            for name, field in form.fields.items():
                if isinstance(field, ModelMultipleChoiceField) and name in form.cleaned_data:
                    links = getattr(form.instance, name)
                    hidden[name] = list(links.exclude(pk__in=field.queryset.values("pk")))
        super().save_related(request, form, formsets, change)
        for name, objects in hidden.items():
            if objects:
                getattr(form.instance, name).add(*objects)

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if self.raw_id_fields:
            errors.append(
                checks.Error(
                    "raw_id_fields print the chosen object's label past the visibility rule; "
                    "use autocomplete_fields.",
                    obj=self.__class__,
                    id="newsroom.E001",
                )
            )
        return errors


class BoundedDateLookupsMixin:
    """The change list's date filters (list filters, date hierarchy, hand-written `?at__year=`)
    go through newsroom.params' bounded dates: `?published_at__year=0` or a date hierarchy at
    year 9999 is a Korean message over the unfiltered list, not a 500 from datetime's limits."""

    # Date parts and their ranges; any other lookup on a date field compares a date.
    _PART_RANGES = {
        "year": (EARLIEST_DATE.year, LATEST_DATE.year),
        "iso_year": (EARLIEST_DATE.year, LATEST_DATE.year),
        "quarter": (1, 4),
        "month": (1, 12),
        "week": (1, 53),
        "day": (1, 31),
        "week_day": (1, 7),
        "iso_week_day": (1, 7),
    }

    def _bad_date_filter(self, key: str, value: str) -> str | None:
        """The date field's path (`banner__starts_at`) when `key=value` filters it by a date
        outside the bounded range or not a date at all; None for anything else."""
        model, parts = self.model, key.split("__")
        for index, part in enumerate(parts):
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:
                return None
            if field.is_relation:
                if field.related_model is None:
                    return None
                model = field.related_model
                continue
            if not isinstance(field, DateField):  # DateTimeField is a DateField
                return None
            path = "__".join(parts[: index + 1])
            lookup = parts[index + 1] if index + 1 < len(parts) else "exact"
            if lookup == "isnull":
                return None
            if lookup in self._PART_RANGES:
                low, high = self._PART_RANGES[lookup]
                number = ascii_int(value)
                return path if number is None or not low <= number <= high else None
            try:
                parse_date(value[:10])
            except ValueError:
                return path
            return None
        return None

    def changelist_view(self, request, extra_context=None):
        bad = {
            path
            for key, values in request.GET.lists()
            for path in (self._bad_date_filter(key, value) for value in values)
            if path
        }
        if bad:
            messages.error(
                request, f"날짜 조건이 올바르지 않아 빼고 보여 드립니다. {DATE_RANGE_MESSAGE}"
            )
            # The whole date filter goes (year, month and day together); other filters stay.
            query = request.GET.copy()
            for key in list(query):
                if key in bad or key.rsplit("__", 1)[0] in bad:
                    del query[key]
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
        return super().changelist_view(request, extra_context)


class NewsroomModelAdmin(VisibleChoicesMixin, BoundedDateLookupsMixin, admin.ModelAdmin):
    """The base of every ModelAdmin of ours (a test walks the admin site to make sure).

    `extra_views` names the model's own admin pages as (route, method, name): ("calendar/",
    "calendar_view", "calendar") is served at <model's admin URL>calendar/, named
    "<app>_<model>_calendar", behind the admin's login, before the model's own patterns (whose
    "<path:object_id>/" would take it). Each view checks its own permission."""

    extra_views: tuple[tuple[str, str, str], ...] = ()

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}_"
        own = [
            path(
                route,
                self.admin_site.admin_view(getattr(self, method)),
                name=prefix + name,
            )
            for route, method, name in self.extra_views
        ]
        return [*own, *super().get_urls()]
