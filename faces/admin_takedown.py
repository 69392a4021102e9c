"""The admin's take-down action, shared by photos (faces.admin) and videos (videos.admin).

The admin never deletes either: Django's delete would skip the audit row and the counts the
transparency report keeps, and leave the stored files (and a video's stills) behind. The
action asks for a reason on a confirmation page, then hands each selected row to the
model's takedown service, which checks who asks and writes the audit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from oversight.exceptions import DomainError

if TYPE_CHECKING:  # what the mixin relies on from the ModelAdmin it is mixed into
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object


class TakedownAdminMixin(_ModelAdmin):
    """Set the three attributes below, and declare the `take_down` action with its own wording
    and a body of `return self.take_down_selected(request, queryset, <the takedown service>)`
    (faces.admin.ImageAdmin, videos.admin.VideoAdmin)."""

    takedown_noun: str  # "photo": the page's title and list, and the messages
    takedown_explanation: str  # what goes and what stays, shown above the reason
    takedown_form: type[forms.Form]  # asks for the `reason`

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # only by the takedown (see the module's docstring)

    def take_down_selected(self, request, queryset, takedown: Callable[..., Any]):
        """`takedown(obj, actor=, reason=)` on each row once a reason is given; a DomainError is reported per row."""
        form = self.takedown_form(request.POST if "reason" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "objects": list(queryset.select_related("department")),
                "noun": self.takedown_noun,
                "explanation": self.takedown_explanation,
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/faces/takedown.html", context)
        noun, done = self.takedown_noun, 0
        for obj in queryset:
            try:
                takedown(obj, actor=request.user, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                self.message_user(request, f"{noun.capitalize()} {obj.pk}: {exc.message}", messages.ERROR)
                continue
            done += 1
        self.message_user(request, f"{done} {noun}{'s' if done != 1 else ''} taken down.", messages.SUCCESS)
        return None
