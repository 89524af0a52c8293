"""Run tap-bronto with its WSDL URL pointed at a simulator. Nothing else changes.

tap-bronto loads its WSDL from one module constant, tap_bronto.stream.BRONTO_WSDL
("https://api.bronto.com/v4?wsdl"), read by Stream.login() on every login; the
WSDL's soap:address then names the endpoint every call goes to. This module
sets that constant to $QUARRY_BENCH_BRONTO_WSDL (the simulator's
http://127.0.0.1:PORT/v4?wsdl, whose soap:address is the simulator) and calls
tap_bronto.main() with the command line unchanged.

One shim, for Python 3.10+ only: tap-bronto pins funcy 1.10, which imports
Mapping, Set, Iterable, ... from `collections`; those names moved to
`collections.abc` in 3.3 and left `collections` in 3.10. They are aliased back
before the tap is imported. Behaviour is unchanged.

Usage: python -m tap_bronto_at --config c.json --properties p.json [--state s.json]
"""

import collections
import collections.abc
import os

for _name in collections.abc.__all__:
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

import tap_bronto  # noqa: E402
from tap_bronto import stream  # noqa: E402

stream.BRONTO_WSDL = os.environ["QUARRY_BENCH_BRONTO_WSDL"]

if __name__ == "__main__":
    tap_bronto.main()
