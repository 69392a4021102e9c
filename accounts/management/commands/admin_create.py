"""`make admin`: create or update an administrator who can sign in at once.

Asks for the username, e-mail address and password (twice, hidden). With ADMIN_USERNAME,
ADMIN_EMAIL and ADMIN_PASSWORD in the environment it asks nothing (scripts and CI).
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.bootstrap import administrator_create_or_update
from oversight.exceptions import DomainError


class Command(BaseCommand):
    help = "Create or update an administrator (staff, superuser, administrator role, verified e-mail)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--site-url", default="http://127.0.0.1:8000", help="where the site is served (for the sign-in hint)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username, email, password = self._ask()
        try:
            result = administrator_create_or_update(username=username, email=email, password=password)
        except DomainError as exc:
            raise CommandError(f"{exc.message} Nothing was changed.") from exc
        site = options["site_url"].rstrip("/")
        verb = "Created" if result.created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} administrator {result.user.get_username()} <{email.strip()}>."))
        self.stdout.write(f"Sign in at {site}/accounts/login/ with the username or the e-mail address,")
        self.stdout.write(f"then open {site}/review/jurisdictions/ (recognition policy) or {site}/review/.")

    def _ask(self) -> tuple[str, str, str]:
        env = {name: os.environ.get(f"ADMIN_{name}", "") for name in ("USERNAME", "EMAIL", "PASSWORD")}
        if all(env.values()):
            return env["USERNAME"], env["EMAIL"], env["PASSWORD"]
        if not sys.stdin.isatty():
            missing = ", ".join(f"ADMIN_{name}" for name, value in env.items() if not value)
            raise CommandError(f"No terminal to ask on: set {missing} in the environment. Nothing was changed.")
        try:
            username = env["USERNAME"] or input("Username: ")
            email = env["EMAIL"] or input("E-mail address: ")
            password = env["PASSWORD"]
            if not password:
                password = getpass.getpass("Password: ")
                if password != getpass.getpass("Password (again): "):
                    raise CommandError("The two passwords do not match. Nothing was changed.")
        except (KeyboardInterrupt, EOFError) as exc:
            raise CommandError("Cancelled. Nothing was changed.") from exc
        return username, email, password
