#!/usr/bin/env python3
"""bench/bronto: quarry against tap-bronto on the Bronto simulator (driver:
bench/bronto/soap_race.py; wrapper: bench/bronto/tap_bronto_at.py).

Dataset: `quarry sim bronto --seed S --contacts C --inbound A/2 --outbound A/2
--unsubscribes U --days D` (records created over the D days before the
simulator starts; Bronto keeps 30 days of activities). Both tools start at the
same start_date, D + 1 days before the race, at 00:00Z, and run up to now:
tap-bronto in its 6-hour (contacts, unsubscribes) and 1-hour (activities)
windows, quarry in its own.

--throughput: quarry alone, the contact stream only, readContacts pages of
--page-size (5000, Bronto's maximum) contacts at 0 ms: end-to-end records/s
from SOAP pages to acknowledged Kafka records (the issue's "records/s parsing
SOAP pages of 5,000 contacts ... end to end to Kafka").
"""

import datetime as dt
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import soap_race  # noqa: E402

TOKEN = "bench-bronto-token"


def add_arguments(ap):
    ap.add_argument("--contacts", type=int, default=20000)
    ap.add_argument("--activities", type=int, default=40000, help="inbound + outbound, half each")
    ap.add_argument("--unsubscribes", type=int, default=1000)
    ap.add_argument("--days", type=int, default=29)
    ap.add_argument("--page-size", type=int, default=5000,
                    help="simulator's readContacts/readUnsubscribes page size")
    ap.add_argument("--throughput", action="store_true",
                    help="quarry alone, contacts only (see the module doc)")


def start_date(a):
    if not getattr(a, "start_date", None):
        day = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        a.start_date = (day - dt.timedelta(days=a.days + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return a.start_date


def sim_flags(a):
    activities = 0 if a.throughput else a.activities
    return ["--seed", str(a.seed), "--contacts", str(a.contacts),
            "--inbound", str(activities // 2), "--outbound", str(activities - activities // 2),
            "--unsubscribes", str(0 if a.throughput else a.unsubscribes), "--days", str(a.days),
            "--page-size", str(a.page_size), "--api-token", TOKEN]


def profile(a_throughput):
    return {
        "source": "bronto",
        "title": "quarry vs tap-bronto on quarry sim bronto",
        "describe": lambda a: "%d contacts, %d activities, %d unsubscribes over %d days "
                              "(seed %d), page size %d, start_date %s" % (
                                  a.contacts, 0 if a.throughput else a.activities,
                                  0 if a.throughput else a.unsubscribes, a.days, a.seed,
                                  a.page_size, start_date(a)),
        "add_arguments": add_arguments,
        "sim_flags": sim_flags,
        "start_date": start_date,
        "tap_config": lambda a: {"token": TOKEN, "start_date": start_date(a)},
        "wrapper": "tap_bronto_at",
        "wrapper_dir": HERE,
        "wsdl_env": "QUARRY_BENCH_BRONTO_WSDL",
        "wsdl_path": "/v4?wsdl",
        # settle_minutes 0: the simulator's records end when it starts, and the
        # race compares every record (by default a run leaves the newest 10
        # minutes to the next one).
        "quarry_account": lambda url: {"source": "bronto", "endpoint": url + "/v4",
                                       "credentials": {"api_token": {"env": "BRONTO_TOKEN"}},
                                       "settings": {"settle_minutes": 0}},
        "quarry_env": {"BRONTO_TOKEN": TOKEN},
        "quarry_job": {"streams": ["contact"]} if a_throughput else {},
    }


if __name__ == "__main__":
    throughput = "--throughput" in sys.argv[1:]
    soap_race.main(profile(throughput))
