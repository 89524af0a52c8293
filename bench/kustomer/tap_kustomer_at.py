"""Run tap-kustomer with its base URL pointed at a simulator. Nothing else changes.

tap-kustomer sets its one base URL in KustomerClient.__init__:
    self.base_url = 'https://api.kustomerapp.com/v1'
This module wraps that constructor to replace it with
    "{QUARRY_BENCH_KUSTOMER_BASE}/v1"
(e.g. http://127.0.0.1:PORT/v1), then calls tap_kustomer.main() with the
command line unchanged.

Usage: python tap_kustomer_at.py --config c.json --catalog p.json [--state s.json]
"""

import os
import sys

import tap_kustomer
from tap_kustomer import client

BASE = os.environ["QUARRY_BENCH_KUSTOMER_BASE"].rstrip("/")
_init = client.KustomerClient.__init__


def init(self, *args, **kwargs):  # the constructor, then the simulator's base URL
    _init(self, *args, **kwargs)
    self.base_url = "{}/v1".format(BASE)


client.KustomerClient.__init__ = init

if __name__ == "__main__":
    sys.exit(tap_kustomer.main())
