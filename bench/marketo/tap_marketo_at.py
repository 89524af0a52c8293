"""Run tap-marketo with its base URL pointed at a simulator. Nothing else changes.

tap-marketo builds every URL in one method, Client.get_url(path):
    "https://{munchkin}.mktorest.com/{path}"
This module replaces that one method with
    "{QUARRY_BENCH_MARKETO_BASE}/{path}"
(e.g. http://127.0.0.1:PORT/{path}), then calls tap_marketo.main() with the
command line unchanged. The config's "endpoint" must still carry a Munchkin id
(the tap's constructor extracts it with a regex), e.g.
"https://123-ABC-456.mktorest.com/rest"; it is no longer used to build URLs.

Usage: python -m tap_marketo_at --config c.json --properties p.json [--state s.json]
"""

import os
import sys

import tap_marketo
from tap_marketo import client

BASE = os.environ["QUARRY_BENCH_MARKETO_BASE"].rstrip("/")


def get_url(self, url):  # the replacement of tap_marketo.client.Client.get_url
    return "{}/{}".format(BASE, url)


client.Client.get_url = get_url

if __name__ == "__main__":
    sys.exit(tap_marketo.main())
