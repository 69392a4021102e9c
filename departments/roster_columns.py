"""The roster's columns, in order: what `import_roster` reads and the export writes.

A module of its own, free of models, so benchmarks and exporters can import it before Django
is set up.
"""

ROSTER_COLUMNS: tuple[str, ...] = (
    "employee_id",
    "badge_number",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "rank",
    "unit",
    "employment_date",
    "separation_date",
    "gender",
    "race",
    "birth_year",
)
