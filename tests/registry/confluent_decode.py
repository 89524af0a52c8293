"""Reads quarry's confluent_json_schema bytes with Confluent's own Python
JSONDeserializer (confluent-kafka from PyPI), which fetches the writer schema
by the id in each frame (GET /schemas/ids/<id>) and validates the payload
against it.

  confluent_decode.py frames <registry url> <topic> key|value
      stdin: one frame per line, in hex; stdout: one JSON line per frame,
      {"ok": <decoded>} or {"error": "<exception type>: <message>"}.
  confluent_decode.py kafka <registry url> <bootstrap> <topic>...
      every committed record (read_committed) of the topics, from the start
      to the end offsets: one JSON line per record,
      {"topic", "partition", "offset", "key", "value"} (value null for a
      tombstone), or {"topic", ..., "error"} when a key or value fails.
"""
import json
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext


def decoder(url):
    deserialize = JSONDeserializer(None, schema_registry_client=SchemaRegistryClient({"url": url}))

    def decode(data, topic, field):
        if data is None:
            return None
        return deserialize(data, SerializationContext(topic, field))

    return decode


def frames(url, topic, field):
    decode = decoder(url)
    field = MessageField.KEY if field == "key" else MessageField.VALUE
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            out = {"ok": decode(bytes.fromhex(line), topic, field)}
        except Exception as e:  # reported per frame, the caller checks which fail
            out = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)


def kafka(url, bootstrap, topics):
    from confluent_kafka import Consumer, TopicPartition

    decode = decoder(url)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "confluent-decode",
                         "isolation.level": "read_committed", "enable.auto.commit": False,
                         "enable.partition.eof": True})
    assignment = []
    for topic in topics:
        meta = consumer.list_topics(topic, timeout=10).topics[topic]
        if meta.error is not None:
            raise SystemExit(f"topic {topic}: {meta.error}")
        assignment += [TopicPartition(topic, p, 0) for p in meta.partitions]
    # The end of each partition: its last stable offset, as read_committed sees it.
    pending = set()
    for tp in assignment:
        low, high = consumer.get_watermark_offsets(tp, timeout=10)
        if high > low:
            pending.add((tp.topic, tp.partition))
    consumer.assign(assignment)
    while pending:
        msg = consumer.poll(10)
        if msg is None:
            raise SystemExit(f"no record within 10 s; still reading {sorted(pending)}")
        where = (msg.topic(), msg.partition())
        if msg.error():
            if msg.error().code() == -191:  # _PARTITION_EOF
                pending.discard(where)
                continue
            raise SystemExit(f"{where}: {msg.error()}")
        out = {"topic": msg.topic(), "partition": msg.partition(), "offset": msg.offset()}
        try:
            out["key"] = decode(msg.key(), msg.topic(), MessageField.KEY)
            out["value"] = decode(msg.value(), msg.topic(), MessageField.VALUE)
        except Exception as e:
            out["error"] = f"{type(e).__name__}: {e}"
        print(json.dumps(out), flush=True)
    consumer.close()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "frames":
        frames(*sys.argv[2:])
    elif len(sys.argv) >= 5 and sys.argv[1] == "kafka":
        kafka(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        raise SystemExit(__doc__)
