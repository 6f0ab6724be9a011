from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django.test import override_settings
from django_tasks_db.backend import DatabaseBackend

from dealroom.core.periodic import ensure_scheduled
from dealroom.workspaces import demo

NO_MAIL = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}


class Command(BaseCommand):
    help = "Seed the demo workspace (safe to run again: nothing is duplicated)."

    def handle(self, *args, **options):
        # The seeding's e-mails go to made-up addresses: none is sent, none printed (the
        # console backend prints each whole, which buried the summary below).
        with override_settings(MAILERS=NO_MAIL):
            ws = demo.seed()
            if isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
                # Run now what the seeding queued (and the periodic jobs' first run, which
                # mails the seeded rooms' digests): the server's worker starts on an empty
                # queue instead of printing those mails after this summary.
                ensure_scheduled()
                call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
        from dealroom.rooms import demo as rooms_demo

        link = rooms_demo.guest_link(ws)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo workspace ready: {ws.name}"))
        self.stdout.write(f"  Open {settings.SITE_URL}/ and log in (password: {demo.PASSWORD}):")
        for email, name, role, _team in demo.PEOPLE[:4]:
            self.stdout.write(f"    {email:<22} {str(role.label):<10} {name}")
        if link:
            self.stdout.write("  A customer's view of a deal room (guest link for 李华, no login):")
            self.stdout.write(f"    {link}")
