"""Admin pages for departments and jurisdiction rules.

They live in the faces app, not in departments/admin.py, because switching recognition
purges face data (faces.services.recognition) and departments must not import faces.
The recognition flag is never a raw field: it is switched on its own page, with a
reason, and audited.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from departments import policy
from departments.admin import URL_FIELDS, RecognitionChangeInline
from departments.forms import RecognitionChangeForm
from departments.models import Department, JurisdictionRule
from faces.admin_gate import GatePurgeMessages
from faces.services import recognition


@admin.register(Department)
class DepartmentAdmin(GatePurgeMessages, admin.ModelAdmin):
    list_display = ("name", "state", "recognition_state", "created_at")
    list_filter = ("state", "facial_recognition_allowed")
    search_fields = ("name", "slug", "state")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("recognition_state",)
    inlines = [RecognitionChangeInline]
    formfield_overrides = URL_FIELDS  # complaint_url typed without a scheme is https, not http

    def save_model(self, request, obj: Department, form, change: bool) -> None:
        # A move into a forbidding state turns the flag off through the audited service (rule 5).
        result = recognition.department_save(obj, actor=request.user)
        if result is not None:
            why = result.audit.reason if result.audit else ""
            messages.warning(
                request,
                f"Facial recognition turned off for {obj.name}: "
                f"{_plural(result.purged_embeddings, 'embedding')} purged and "
                f"{_plural(result.withdrawn_suggestions, 'pending suggestion')} withdrawn because facial "
                f"recognition is not allowed in {obj.state}. {why}",
            )

    @admin.display(description="Facial recognition")
    def recognition_state(self, obj: Department) -> str:
        if obj.pk is None:
            return "Off (new departments start with recognition off)"
        rule = policy.forbidding_rule(obj.state)
        state = "On" if policy.recognition_allowed(obj) else "Off"
        note = f" — forbidden by the {rule.state} rule" if rule else ""
        url = reverse("admin:departments_department_recognition", args=[obj.pk])
        return format_html('{}{} (<a href="{}">change…</a>)', state, note, url)

    def get_urls(self):
        custom = [
            path(
                "<int:pk>/recognition/",
                self.admin_site.admin_view(self.recognition_view),
                name="departments_department_recognition",
            ),
        ]
        return custom + super().get_urls()

    def recognition_view(self, request, pk: int):
        department = get_object_or_404(Department, pk=pk)
        if not request.user.is_superuser and not request.user.has_perm("departments.change_department"):
            raise PermissionDenied
        form = RecognitionChangeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = recognition.department_set_recognition(
                    department,
                    allowed=form.cleaned_data["allowed"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except recognition.RecognitionPolicyError as exc:
                form.add_error(None, str(exc))
            else:
                if result.allowed:
                    messages.success(request, "Recognition turned on; a backfill of existing faces is queued.")
                else:
                    messages.success(
                        request,
                        f"Recognition turned off: {result.purged_embeddings} embeddings deleted, "
                        f"{result.withdrawn_suggestions} pending suggestions withdrawn.",
                    )
                return redirect("admin:departments_department_change", department.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Facial recognition for {department}",
            "department": department,
            "form": form,
            "allowed_now": policy.recognition_allowed(department),
            "rule": policy.forbidding_rule(department.state),
            "purge": recognition.purge_preview(department),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/departments/recognition.html", context)


@admin.register(JurisdictionRule)
class JurisdictionRuleAdmin(GatePurgeMessages, admin.ModelAdmin):
    list_display = ("state", "recognition_forbidden", "legal_reason")

    def save_model(self, request, obj, form, change) -> None:
        results = recognition.jurisdiction_rule_save(obj, actor=request.user)
        for result in results:
            messages.warning(
                request,
                f"Recognition turned off for {result.department}: {result.purged_embeddings} embeddings deleted and "
                f"{result.withdrawn_suggestions} pending suggestions withdrawn.",
            )
        if change and (not obj.recognition_forbidden or "state" in form.changed_data):
            messages.info(
                request,
                "Departments no longer covered by a forbidding rule keep recognition off until an administrator "
                "turns it on, with a reason, on the jurisdictions page.",
            )

    def delete_model(self, request, obj: JurisdictionRule) -> None:
        recognition.jurisdiction_rule_delete(obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        # The bulk "delete selected" action, one audited deletion per rule, all or none.
        with transaction.atomic():
            for rule in queryset:
                recognition.jurisdiction_rule_delete(rule, actor=request.user)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
