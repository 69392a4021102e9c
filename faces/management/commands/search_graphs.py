"""`manage.py search_graphs [--dry-run]`: a gallery-search graph of its own for each large department.

Beat runs the same hourly (faces.tasks.sync_search_graphs). A department gets one above
FACES_SEARCH_DEPARTMENT_GRAPH_MIN_OFFICERS officers with gallery faces and loses it below half
of that; building one takes minutes for tens of thousands of officers, and the table stays
writable meanwhile (CREATE INDEX CONCURRENTLY).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from faces.services.search_graphs import department_graphs_sync


class Command(BaseCommand):
    help = "Create (and drop) the per-department HNSW graphs of the gallery search."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")

    def handle(self, *args, **options) -> None:
        result = department_graphs_sync(dry_run=options["dry_run"])
        if result.skipped:
            self.stdout.write("Another sync of the search graphs is running; nothing done.")
            return
        create, drop = ("would create", "would drop") if options["dry_run"] else ("created", "dropped")
        self.stdout.write(
            f"Department search graphs (department ids): {create} {result.created or 'none'}; "
            f"{drop} {result.dropped or 'none'}; kept {result.kept or 'none'}."
        )
