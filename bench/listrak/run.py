#!/usr/bin/env python3
"""bench/listrak: quarry against tap-listrak on the Listrak simulator (driver:
bench/bronto/soap_race.py, shared with bench/bronto; wrapper:
bench/listrak/tap_listrak_at.py).

Dataset: `quarry sim listrak --seed S --lists L --messages-per-list M
--recipients-per-message R --subscribers-per-list N --data-days D` (messages
sent over the D days before the simulator starts, events within 7 days of each
send). Both tools start at the same start_date, D + 1 days before the race, at
00:00Z, and read up to now; tap-listrak windows messages by its default
interval_days (365).
"""

import datetime as dt
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "bronto"))
import soap_race  # noqa: E402

USERNAME = "bench-user"
PASSWORD = "bench-listrak-password"


def add_arguments(ap):
    ap.add_argument("--lists", type=int, default=5)
    ap.add_argument("--messages-per-list", type=int, default=60)
    ap.add_argument("--recipients-per-message", type=int, default=200)
    ap.add_argument("--subscribers-per-list", type=int, default=400)
    ap.add_argument("--days", type=int, default=180)


def start_date(a):
    if not getattr(a, "start_date", None):
        day = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        a.start_date = (day - dt.timedelta(days=a.days + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return a.start_date


def sim_flags(a):
    return ["--seed", str(a.seed), "--lists", str(a.lists),
            "--messages-per-list", str(a.messages_per_list),
            "--recipients-per-message", str(a.recipients_per_message),
            "--subscribers-per-list", str(a.subscribers_per_list), "--data-days", str(a.days),
            "--username", USERNAME, "--password", PASSWORD]


PROFILE = {
    "source": "listrak",
    "title": "quarry vs tap-listrak on quarry sim listrak",
    "describe": lambda a: "%d lists x %d messages, %d recipients per message, %d subscribers "
                          "per list, over %d days (seed %d), start_date %s" % (
                              a.lists, a.messages_per_list, a.recipients_per_message,
                              a.subscribers_per_list, a.days, a.seed, start_date(a)),
    "add_arguments": add_arguments,
    "sim_flags": sim_flags,
    "start_date": start_date,
    "tap_config": lambda a: {"username": USERNAME, "password": PASSWORD,
                             "start_date": start_date(a)},
    "wrapper": "tap_listrak_at",
    "wrapper_dir": HERE,
    "wsdl_env": "QUARRY_BENCH_LISTRAK_WSDL",
    "wsdl_path": "/v31/IntegrationService.asmx?WSDL",
    "quarry_account": lambda url: {"source": "listrak",
                                   "endpoint": url + "/v31/IntegrationService.asmx",
                                   "credentials": {"username": USERNAME,
                                                   "password": {"env": "LISTRAK_PASSWORD"}}},
    "quarry_env": {"LISTRAK_PASSWORD": PASSWORD},
}

if __name__ == "__main__":
    soap_race.main(PROFILE)
