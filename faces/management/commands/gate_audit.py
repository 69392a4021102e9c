"""Prove rule 4 in the data: `manage.py gate_audit [--fix]`.

Reports every embedding and pending suggestion of a face whose photo's department, or
whose officer's department, may not use recognition. Exits 1 when it finds any and was
not asked to fix them (for cron and CI); with --fix it purges them, audits the purge and
exits 0. Every run is stored and shown on the jurisdiction page.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from faces.services.gate_audit import gate_audit_run


class Command(BaseCommand):
    help = "Report (and with --fix, purge) biometric data where facial recognition is not allowed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fix", action="store_true", help="purge what is found and record the purge")

    def handle(self, *args, **options) -> None:
        result = gate_audit_run(fix=options["fix"])
        run = result.run
        if not result.violations:
            self.stdout.write(self.style.SUCCESS("Gate audit: no embedding or pending suggestion breaks the gate."))
            return
        self.stdout.write(
            f"Gate audit: {run.embeddings_found} embeddings, {run.suggestions_found} pending suggestions and "
            f"{run.flags_found} recognition flags where facial recognition is not allowed."
        )
        if result.face_ids:
            self.stdout.write(f"  faces: {', '.join(map(str, result.face_ids))}")
        if result.suggestion_ids:
            self.stdout.write(f"  suggestions: {', '.join(map(str, result.suggestion_ids))}")
        if result.flag_department_ids:
            self.stdout.write(
                f"  departments with recognition on where a state rule forbids it: "
                f"{', '.join(map(str, result.flag_department_ids))}"
            )
        if result.membership_ids:
            self.stdout.write(f"  face-group memberships across the gate: {', '.join(map(str, result.membership_ids))}")
        if result.centroid_ids:
            ids = ", ".join(map(str, result.centroid_ids))
            self.stdout.write(f"  officer centroids the gallery does not justify: {ids}")
        if run.fix:
            self.stdout.write(
                self.style.WARNING(
                    f"Fixed: {run.embeddings_purged} embeddings purged, {run.suggestions_withdrawn} suggestions "
                    f"withdrawn, {run.flags_turned_off} recognition flags turned off (audited), "
                    f"{run.memberships_removed} face-group memberships removed, "
                    f"{run.details.get('centroids_recomputed', 0)} officer centroids recomputed."
                )
            )
            return
        raise CommandError("The gate is broken: run `manage.py gate_audit --fix` to purge.", returncode=1)
