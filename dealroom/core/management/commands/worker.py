from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run background jobs (e-mail, fan-out) from the database queue."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Exit when the queue is empty.")

    def handle(self, *args, batch, **options):
        from dealroom.core.periodic import ensure_scheduled

        extra = ["--batch"] if batch else []
        if not batch:
            ensure_scheduled()
        call_command("db_worker", "--no-startup-delay", *extra)
