// quarry's producer puts a key on the partition the Java client puts it on
// (murmur2, as KafkaProducer, Kafka Streams and Connect choose), so a Streams
// join or a second producer agrees with quarry about where a key lives.
//
// Keys shaped like quarry's are produced to two topics of N partitions, once
// with quarry's kafka::producer at its default settings and once with Kafka's
// own console producer (KafkaProducer, scripts/connect); both topics are read
// back and every key must sit on the same partition in both.

#include "kafka/producer.hpp"
#include "kafka/topic_reader.hpp"
#include "tests/kafka/connect_script.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace quarry {
namespace {

// 3000 keys as quarry writes them (compact JSON of the primary key): integer
// ids, UUID ids, and a composite key.
std::vector<std::string> quarry_shaped_keys() {
  std::mt19937_64 rng{14};
  const auto uuid = [&] {
    char text[37];
    const auto a = rng(), b = rng();
    std::snprintf(text, sizeof text, "%08llx-%04llx-4%03llx-a%03llx-%012llx",
                  static_cast<unsigned long long>(a >> 32), static_cast<unsigned long long>((a >> 16) & 0xffff),
                  static_cast<unsigned long long>(a & 0xfff), static_cast<unsigned long long>(b >> 52),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return std::string{text};
  };
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back("{\"id\":" + std::to_string(1 + rng() % 5'000'000) + "}");
  for (int i = 0; i < 1000; ++i) keys.push_back("{\"contact_id\":\"" + uuid() + "\"}");
  for (int i = 0; i < 1000; ++i)
    keys.push_back("{\"campaign_activity_id\":\"" + uuid() + "\",\"contact_id\":\"" + uuid() + "\"}");
  return keys;
}

// key -> partition of every record of `topic`.
std::map<std::string, int> partitions_of(const std::string& topic) {
  std::map<std::string, int> out;
  const auto st = kafka::read_to_end(testing::kafka_settings(), topic,
                                     [&](kafka::consumed_message&& m) { out[m.key] = m.partition; });
  EXPECT_TRUE(st.ok()) << topic << ": " << (st.ok() ? "" : st.error().describe());
  return out;
}

class partitioner : public ::testing::TestWithParam<int> {};

INSTANTIATE_TEST_SUITE_P(partitions, partitioner, ::testing::Values(1, 3, 12),
                         [](const auto& info) { return std::to_string(info.param); });

TEST_P(partitioner, every_key_lands_where_the_java_client_puts_it) {
  const int partitions = GetParam();
  const auto keys = quarry_shaped_keys();
  auto settings = testing::kafka_settings();  // quarry's defaults: no partitioner set
  settings.topic_partitions = partitions;
  const auto ours = testing::unique_topic("partitioner-quarry");
  const auto java = testing::unique_topic("partitioner-java");

  auto p = kafka::producer::create(settings);
  ASSERT_TRUE(p.ok()) << p.error().describe();
  auto& producer = **p;
  for (const auto& topic : {ours, java}) {
    const auto st = producer.ensure_topic(topic);
    ASSERT_TRUE(st.ok()) << st.error().describe();
  }
  for (const auto& key : keys) {
    const auto st = producer.produce(ours, key, std::string_view{"v"});
    ASSERT_TRUE(st.ok()) << st.error().describe();
  }
  const auto flushed = producer.flush();
  ASSERT_TRUE(flushed.ok()) << flushed.error().describe();

  // The same keys through KafkaProducer: "key<TAB>value" lines on stdin.
  testing::temp_dir dir;
  std::ofstream lines{dir.file("keys.tsv")};
  for (const auto& key : keys) lines << key << "\tv\n";
  lines.close();
  testing::connect_process console{{"java", "org.apache.kafka.tools.ConsoleProducer", "--bootstrap-server",
                                    testing::kafka_bootstrap(), "--topic", java, "--property", "parse.key=true"},
                                   dir, "console-producer", dir.file("keys.tsv")};
  ASSERT_EQ(console.wait(std::chrono::seconds(120)), 0) << console.output() << console.log();

  const auto quarry_side = partitions_of(ours);
  const auto java_side = partitions_of(java);
  ASSERT_EQ(quarry_side.size(), keys.size());
  ASSERT_EQ(java_side.size(), keys.size());
  std::size_t differ = 0;
  std::string examples;
  std::map<int, std::size_t> per_partition;
  for (const auto& [key, partition] : java_side) {
    ++per_partition[partition];
    if (quarry_side.at(key) == partition) continue;
    if (++differ <= 3)
      examples += "\n  " + key + ": java " + std::to_string(partition) + ", quarry " +
                  std::to_string(quarry_side.at(key));
  }
  EXPECT_EQ(differ, 0u) << differ << " of " << keys.size() << " keys on another partition than Java's:" << examples;
  EXPECT_EQ(per_partition.size(), static_cast<std::size_t>(partitions)) << "the keys must spread over every partition";
}

} // namespace
} // namespace quarry
