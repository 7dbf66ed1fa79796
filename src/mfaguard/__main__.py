"""``python -m mfaguard`` runs the CLI."""

from mfaguard.cli import main

if __name__ == "__main__":
    main()
