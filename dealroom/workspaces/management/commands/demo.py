from django.core.management.base import BaseCommand

from dealroom.workspaces import demo


class Command(BaseCommand):
    help = "Seed the demo workspace (safe to run again: nothing is duplicated)."

    def handle(self, *args, **options):
        ws = demo.seed()
        self.stdout.write(self.style.SUCCESS(f"Demo workspace ready: {ws.name} (/w/{ws.slug}/)"))
        self.stdout.write(f"Logins (password for all: {demo.PASSWORD}):")
        for email, name, role, _team in demo.PEOPLE[:4]:
            self.stdout.write(f"  {email:<22} {str(role.label):<10} {name}")
        from dealroom.rooms import demo as rooms_demo

        link = rooms_demo.guest_link(ws)
        if link:
            self.stdout.write("A customer's view of a deal room (guest link for 李华, no login):")
            self.stdout.write(f"  {link}")
