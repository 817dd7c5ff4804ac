from typing import Any

from django.core.management.base import BaseCommand

from secondline.demo.data import DEMO_PASSWORD, load_demo, logins


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_demo()
        self.stdout.write("Demo data loaded." if created else "Demo data is already there.")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role in logins():
            self.stdout.write(f"  {username:<18} {role}")
