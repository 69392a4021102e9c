"""API shapes of the transparency report (accountability.selectors_transparency): aggregates only."""

from __future__ import annotations

from rest_framework import serializers

from accountability.selectors_transparency import MEASURES


class TransparencyDepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    state = serializers.CharField()


class FlagChangeSerializer(serializers.Serializer):
    date = serializers.DateTimeField()
    department = serializers.CharField()
    turned_on = serializers.BooleanField()
    reason = serializers.CharField()
    role = serializers.CharField(help_text="The role of whoever changed the flag; never their name.")


class StateRuleSerializer(serializers.Serializer):
    state = serializers.CharField()
    recognition_forbidden = serializers.BooleanField()
    legal_text = serializers.CharField()
    updated_at = serializers.DateTimeField()


class GateAuditSerializer(serializers.Serializer):
    ran_at = serializers.DateTimeField()
    violations = serializers.IntegerField()
    fixed = serializers.IntegerField()
    embeddings_found = serializers.IntegerField()
    suggestions_found = serializers.IntegerField()
    flags_found = serializers.IntegerField()
    memberships_found = serializers.IntegerField()


def _count_field(prefix: str, key: str, help_text: str) -> serializers.IntegerField:
    # DRF refuses a `source` equal to the field's name, so the totals (a plain dict) pass none.
    if prefix:
        return serializers.IntegerField(source=f"{prefix}{key}", help_text=help_text)
    return serializers.IntegerField(help_text=help_text)


def _count_fields(prefix: str) -> dict[str, serializers.Field]:
    return {m.key: _count_field(prefix, m.key, m.help) for m in MEASURES}


# One integer field per measure, declared from MEASURES so the API never drifts from the page.
TransparencyMonthSerializer = type(
    "TransparencyMonthSerializer",
    (serializers.Serializer,),
    {"month": serializers.DateField(help_text="The month's first day (UTC)."), **_count_fields("counts.")},
)
TransparencyTotalsSerializer = type("TransparencyTotalsSerializer", (serializers.Serializer,), _count_fields(""))


class TransparencySerializer(serializers.Serializer):
    department = TransparencyDepartmentSerializer(allow_null=True, help_text="Null for the whole site.")
    recognition_on = serializers.BooleanField(help_text="For a department: now. For the site: in any department.")
    departments_on = serializers.IntegerField()
    departments_total = serializers.IntegerField()
    changes = FlagChangeSerializer(many=True)
    rules = StateRuleSerializer(many=True)
    months = TransparencyMonthSerializer(many=True)
    totals = TransparencyTotalsSerializer()
    precision = serializers.FloatField(
        allow_null=True, help_text="Suggestions confirmed / (confirmed + rejected); null before any decision."
    )
    gate_audit = GateAuditSerializer(allow_null=True, help_text="The latest gate audit (site-wide).")
    generated_at = serializers.DateTimeField()
