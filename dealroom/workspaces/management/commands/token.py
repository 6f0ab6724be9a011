from django.core.management.base import BaseCommand, CommandError

from dealroom.workspaces.models import User
from dealroom.workspaces.services import api_token_create


class Command(BaseCommand):
    help = "API tokens. `dealroom token create --email E` prints a new token for that user."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create"])
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="cli")

    def handle(self, *args, action, email, name, **options):
        user = User.objects.filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"no user with e-mail {email}")
        _token, secret = api_token_create(user=user, name=name)
        self.stdout.write(secret)
