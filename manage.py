#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.base")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A mis-set environment variable: one readable line, not a traceback.
        sys.stderr.write(f"설정 오류 (configuration error): {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
