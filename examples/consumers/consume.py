#!/usr/bin/env python3
"""Reads one of quarry's record topics as a plain consumer.

    pip install confluent-kafka
    python3 consume.py BOOTSTRAP TOPIC [GROUP]

quarry commits records in Kafka transactions, so the consumer reads with
isolation.level=read_committed: it never sees records of an aborted or
still open transaction. The key is the record's primary key as JSON; a
null value is a tombstone (the record was deleted at the source). With
kafka.value_format "connect_json" the value is {"schema": ..., "payload": ...}
and the record is its payload. Prints one JSON line per message:
{"key": ..., "deleted": bool, "record": ..., "from": {...}}, where "from" is
the record's provenance as docs/kafka.md ("Topics") defines it: source and
stream from the topic's name, run and schema fingerprint from its two
headers, the job from the run id, the extraction time from the Kafka
timestamp.
"""
import json
import sys
from datetime import datetime, timezone

from confluent_kafka import Consumer, KafkaError


def provenance(msg):
    headers = {k: v.decode() for k, v in (msg.headers() or [])}
    source, stream = msg.topic().split(".")[-2:]  # <prefix>.<source>.<stream>
    run = headers.get("quarry.run", "")  # <job>-<UTC start>-<4 hex>
    _, ms = msg.timestamp()
    at = None
    if ms is not None and ms >= 0:
        at = datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds")
        at = at.replace("+00:00", "Z")
    return {"source": source, "stream": stream, "job": run.rsplit("-", 2)[0], "run": run,
            "schema": headers.get("quarry.schema"), "extracted_at": at}


def main():
    bootstrap, topic = sys.argv[1], sys.argv[2]
    group = sys.argv[3] if len(sys.argv) > 3 else "quarry-example"
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "isolation.level": "read_committed",
        "auto.offset.reset": "earliest",
        "enable.partition.eof": True,
    })
    consumer.subscribe([topic])
    at_end = set()
    assigned = None
    try:
        while assigned is None or len(at_end) < len(assigned):
            msg = consumer.poll(10.0)
            if msg is None:
                break  # nothing for 10 s: done
            if assigned is None:
                assigned = consumer.assignment()
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(msg.partition())
                    continue
                raise SystemExit(f"consume {topic}: {msg.error()}")
            value = msg.value()
            record = None
            if value is not None:
                record = json.loads(value)
                if isinstance(record, dict) and set(record) == {"schema", "payload"}:
                    record = record["payload"]
            key = json.loads(msg.key())
            if isinstance(key, dict) and set(key) == {"schema", "payload"}:
                key = key["payload"]
            print(json.dumps({"key": key, "deleted": value is None, "record": record,
                              "from": provenance(msg)}))
    finally:
        consumer.close()


if __name__ == "__main__":
    main()
