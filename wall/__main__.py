"""Allow `python -m wall ...` as a synonym of the `clameur` command."""

from wall.cli import main

if __name__ == "__main__":
    main()
