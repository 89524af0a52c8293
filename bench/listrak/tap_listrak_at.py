"""Run tap-listrak with its WSDL URL pointed at a simulator. Nothing else changes.

tap-listrak loads its WSDL from one module constant, tap_listrak.http.WSDL
("https://webservices.listrak.com/v31/IntegrationService.asmx?wsdl"), read by
get_client(); the WSDL's soap:address then names the endpoint every call goes
to. This module sets that constant to $QUARRY_BENCH_LISTRAK_WSDL (the
simulator's http://127.0.0.1:PORT/v31/IntegrationService.asmx?WSDL, whose
soap:address is the simulator) and calls tap_listrak.main() with the command
line unchanged.

Usage: python -m tap_listrak_at --config c.json --properties p.json [--state s.json]
"""

import os

import tap_listrak
from tap_listrak import http

http.WSDL = os.environ["QUARRY_BENCH_LISTRAK_WSDL"]

if __name__ == "__main__":
    tap_listrak.main()
