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
// Prints partition, offset, key and value (or "deleted") per record, and
// stops after 10 s without a record.

import java.time.Duration;
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
          StringBuilder headers = new StringBuilder();
          for (Header h : r.headers())
            headers.append(' ').append(h.key()).append('=').append(new String(h.value()));
          System.out.println(r.partition() + " " + r.offset() + " " + r.key() + " "
              + (r.value() == null ? "deleted" : r.value()) + headers);
        }
      }
    }
  }
}
