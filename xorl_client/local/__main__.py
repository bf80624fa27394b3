"""``python -m xorl_client.local [--port 6000] [--lora] ...``: the same as ``xorl-client serve``."""

from __future__ import annotations

import sys

from xorl_client.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
