"""The `dealroom` console command: Django's management commands plus serve/demo/worker/token."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["dealroom", *sys.argv[1:]])


if __name__ == "__main__":
    main()
