// Reads one of quarry's record topics with the Java client.
//
//   java -cp "kafka-clients.jar:slf4j-api.jar:..." Consume.java BOOTSTRAP TOPIC [GROUP]
//
// (scripts/kafka's jar cache holds kafka-clients and its dependencies.)
// quarry commits records in Kafka transactions: read_committed never shows
// records of an aborted or open transaction. The key is the record's primary
// key as JSON; a null value is a tombstone (deleted at the source). With
// kafka.value_format "connect_json" the value is {"schema":..,"payload":..}:
// use Kafka Connect's JsonConverter, or read "payload" with any JSON library.
// Prints per record its partition, offset, key and value (or "deleted"),
// then its provenance as docs/kafka.md ("Topics") defines it: source and
// stream from the topic's name, the job from the run id, the quarry.run and
// quarry.schema headers, and the extraction time (the Kafka timestamp). Stops
// after 10 s without a record.

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

public class Consume {
  public static void main(String[] args) {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("group.id", args.length > 2 ? args[2] : "quarry-example");
    props.put("isolation.level", "read_committed");
    props.put("auto.offset.reset", "earliest");
    props.put("key.deserializer", StringDeserializer.class.getName());
    props.put("value.deserializer", StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(args[1]));
      for (;;) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofSeconds(10));
        if (records.isEmpty()) break;
        for (ConsumerRecord<String, String> r : records) {
          String[] parts = r.topic().split("\\.");  // <prefix>.<source>.<stream>
          Header run = r.headers().lastHeader("quarry.run");  // <job>-<UTC start>-<4 hex>
          Header schema = r.headers().lastHeader("quarry.schema");
          String runId = run == null ? "" : new String(run.value(), StandardCharsets.UTF_8);
          String job = runId.replaceFirst("-[^-]*-[^-]*$", "");
          System.out.println(r.partition() + " " + r.offset() + " " + r.key() + " "
              + (r.value() == null ? "deleted" : r.value())
              + " source=" + parts[parts.length - 2] + " stream=" + parts[parts.length - 1]
              + " job=" + job + " run=" + runId
              + " schema=" + (schema == null ? "" : new String(schema.value(), StandardCharsets.UTF_8))
              + " extracted_at=" + Instant.ofEpochMilli(r.timestamp()));
        }
      }
    }
  }
}
