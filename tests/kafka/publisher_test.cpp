// The publisher against the real broker: idempotent delivery of every record
// with its key, value and headers; transactions that commit all or nothing;
// delivery across a broker outage without loss or duplicates.

#include "kafka/embedded_cluster.hpp"
#include "kafka/producer.hpp"
#include "kafka/topic_reader.hpp"
#include "tests/support/kafka_broker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

namespace quarry::kafka {
namespace {

using quarry::testing::kafka_settings;
using quarry::testing::unique_topic;

std::string key_of(int i) { return "{\"id\":" + std::to_string(i) + "}"; }
std::string value_of(int i) {
  return "{\"id\":" + std::to_string(i) + ",\"email\":\"lead" + std::to_string(i) +
         "@example.com\",\"score\":" + std::to_string(i % 97) + "}";
}

std::vector<consumed_message> read_all(const client_settings& s, const std::string& topic,
                                       isolation level = isolation::read_committed) {
  std::vector<consumed_message> out;
  auto st = read_to_end(s, topic, [&](consumed_message&& m) { out.push_back(std::move(m)); },
                        level, std::chrono::seconds(120));
  EXPECT_TRUE(st.ok()) << st.error().describe();
  return out;
}

std::unique_ptr<producer> make_producer(const client_settings& s, const std::string& txn = {}) {
  auto p = producer::create(s, txn);
  EXPECT_TRUE(p.ok()) << p.error().describe();
  return std::move(p).value();
}

TEST(publisher, delivers_200k_records_idempotently_with_keys_values_and_headers) {
  auto settings = kafka_settings();
  settings.topic_partitions = 3;
  const auto topic = unique_topic("idempotent");
  auto p = make_producer(settings);
  ASSERT_TRUE(p->ensure_topic(topic).ok());
  constexpr int n = 200'000;
  for (int i = 0; i < n; ++i) {
    const std::string seq = std::to_string(i);
    const header headers[] = {{"source", "synthetic"}, {"stream", "leads"}, {"seq", seq}};
    ASSERT_TRUE(p->produce(topic, key_of(i), value_of(i), headers).ok());
  }
  ASSERT_TRUE(p->flush().ok());
  EXPECT_EQ(p->stats().produced, static_cast<std::uint64_t>(n));
  EXPECT_EQ(p->stats().delivered, static_cast<std::uint64_t>(n));
  EXPECT_EQ(p->stats().failed, 0u);

  std::vector<int> seen(n, 0);
  for (const auto& m : read_all(settings, topic)) {
    ASSERT_EQ(m.headers.size(), 3u);
    EXPECT_EQ(m.headers[0], (std::pair<std::string, std::string>{"source", "synthetic"}));
    EXPECT_EQ(m.headers[1], (std::pair<std::string, std::string>{"stream", "leads"}));
    const int i = std::stoi(m.headers[2].second);
    ASSERT_GE(i, 0);
    ASSERT_LT(i, n);
    EXPECT_EQ(m.key, key_of(i));
    EXPECT_EQ(m.value, value_of(i));
    ++seen[i];
  }
  for (int i = 0; i < n; ++i) ASSERT_EQ(seen[i], 1) << "record " << i;
}

TEST(publisher, aborted_transaction_is_invisible_and_committed_one_is_complete) {
  const auto settings = kafka_settings();
  const auto topic = unique_topic("txn");
  auto p = make_producer(settings, "test-txn-" + topic);
  ASSERT_TRUE(p->ensure_topic(topic).ok());
  ASSERT_TRUE(p->init_transactions().ok());

  ASSERT_TRUE(p->begin_transaction().ok());
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(p->produce(topic, key_of(i), "aborted").ok());
  ASSERT_TRUE(p->flush().ok());  // the records reached the log before the abort
  ASSERT_TRUE(p->abort_transaction().ok());

  ASSERT_TRUE(p->begin_transaction().ok());
  for (int i = 0; i < 700; ++i) ASSERT_TRUE(p->produce(topic, key_of(i), "committed").ok());
  ASSERT_TRUE(p->commit_transaction().ok());

  const auto committed = read_all(settings, topic, isolation::read_committed);
  ASSERT_EQ(committed.size(), 700u);
  for (const auto& m : committed) EXPECT_EQ(m.value, "committed");
  // The aborted records are in the log all the same: only isolation hides them.
  EXPECT_EQ(read_all(settings, topic, isolation::read_uncommitted).size(), 1200u);
}

TEST(publisher, second_instance_with_same_transactional_id_fences_the_first) {
  const auto settings = kafka_settings();
  const auto topic = unique_topic("fence");
  const std::string id = "test-fence-" + topic;
  auto first = make_producer(settings, id);
  ASSERT_TRUE(first->ensure_topic(topic).ok());
  ASSERT_TRUE(first->init_transactions().ok());
  ASSERT_TRUE(first->begin_transaction().ok());
  ASSERT_TRUE(first->produce(topic, "k", "zombie").ok());

  auto second = make_producer(settings, id);
  ASSERT_TRUE(second->init_transactions().ok());  // fences `first`, aborts its transaction
  ASSERT_TRUE(second->begin_transaction().ok());
  ASSERT_TRUE(second->produce(topic, "k", "live").ok());
  ASSERT_TRUE(second->commit_transaction().ok());

  auto late = first->commit_transaction(std::chrono::seconds(20));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().kind, error_kind::fatal) << late.error().describe();

  // A commit returns once the coordinator logged it; the partition's commit
  // marker follows, and until then a read_committed reader ends before the
  // record (slow right after a broker restart, as in the outage test).
  auto seen = read_all(settings, topic);
  for (int attempt = 0; seen.empty() && attempt < 100; ++attempt) seen = read_all(settings, topic);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].value, "live");
}

TEST(publisher, broker_outage_of_ten_seconds_loses_and_duplicates_nothing) {
  const auto settings = kafka_settings();
  const auto topic = unique_topic("outage");
  auto p = make_producer(settings);
  ASSERT_TRUE(p->ensure_topic(topic).ok());
  // The writer streams about 1,000 records a second until told to stop, so
  // the outage falls in the middle of the stream.
  std::atomic<int> sent{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      if (!p->produce(topic, key_of(i), value_of(i), {}, std::chrono::minutes(3)).ok()) {
        failed = true;
        return;
      }
      sent = i + 1;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // pacing, not synchronisation
    }
  });
  auto wait_for_sent = [&](int target) {
    while (sent < target && !failed) std::this_thread::yield();
  };
  wait_for_sent(2'000);
  ASSERT_EQ(quarry::testing::kafka_script("stop"), 0);
  const int sent_at_stop = sent;
  std::this_thread::sleep_for(std::chrono::seconds(10));  // the outage itself
  ASSERT_EQ(quarry::testing::kafka_script("start"), 0);
  const int sent_at_restart = sent;
  wait_for_sent(sent_at_restart + 2'000);
  stop = true;
  writer.join();
  ASSERT_FALSE(failed);
  const int n = sent;
  EXPECT_GT(sent_at_restart, sent_at_stop) << "records were produced while the broker was down";
  ASSERT_TRUE(p->flush(std::chrono::minutes(3)).ok());
  EXPECT_EQ(p->stats().delivered, static_cast<std::uint64_t>(n));
  EXPECT_EQ(p->stats().failed, 0u);

  std::map<std::string, int> seen;
  for (const auto& m : read_all(settings, topic)) ++seen[m.key];
  EXPECT_EQ(seen.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) ASSERT_EQ(seen[key_of(i)], 1) << key_of(i);
}

TEST(publisher, embedded_cluster_accepts_and_serves_records) {
  auto cluster = embedded_cluster::start();
  ASSERT_TRUE(cluster.ok()) << cluster.error().describe();
  client_settings settings;
  settings.bootstrap_servers = (*cluster)->bootstrap_servers();
  auto p = make_producer(settings);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(p->produce("embedded", key_of(i), value_of(i)).ok());
  ASSERT_TRUE(p->flush().ok());
  const auto seen = read_all(settings, "embedded", isolation::read_uncommitted);
  ASSERT_EQ(seen.size(), 1000u);
  std::set<std::string> keys;
  for (const auto& m : seen) keys.insert(m.key);
  EXPECT_EQ(keys.size(), 1000u);
  EXPECT_EQ(keys.count(key_of(999)), 1u);
}

TEST(publisher, bad_bootstrap_or_property_is_a_clear_error) {
  client_settings settings;
  settings.bootstrap_servers = "127.0.0.1:1";
  settings.properties = {{"no.such.property", "1"}};
  auto p = producer::create(settings);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("no.such.property"), std::string::npos);

  settings.properties = {};
  settings.compression = "bogus";
  auto q = producer::create(settings);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().message.find("compression.type"), std::string::npos) << q.error().message;
}

} // namespace
} // namespace quarry::kafka
