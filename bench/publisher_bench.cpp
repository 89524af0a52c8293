// publisher_bench: throughput of quarry's Kafka publisher (kafka::producer)
// against a real broker, with ~1 KB JSON records.
//
// Modes:
//   idempotent     no transactions; timed from the first produce() until
//                  flush() returns (every record acknowledged)
//   transactional  begin, produce, commit every --commit-every records (the
//                  engine's default checkpoint, 10,000); timed from the first
//                  begin_transaction() until the last commit returns
//   small-txn      as transactional, but --small-records records committed
//                  every --small-commit-every (default 20,000 by 10): the cost
//                  of one commit, which the engine pays at least once per task
//   sink           as transactional, but through the engine's Kafka sink
//                  (sinks/kafka_sink.cpp: record_sink::write per record with
//                  the headers it adds, commit with a bookmark every
//                  --commit-every): what a worker pays per record to Kafka
// Each (mode, compression) case runs --runs times, interleaved round by round
// so that machine noise hits every case alike. Every run writes to a fresh
// topic (deleted afterwards unless --keep-topics). Producer creation,
// init_transactions, topic creation and one warm-up record (delivered, and
// committed in transactional mode) are outside the timed span ("setup").
//
// Records are generated before any timing: realistic-looking event JSON
// (ids, timestamps, a user, request properties, tags, free text) of about
// --record-bytes bytes each, all distinct. Each message carries the
// quarry.* headers the Kafka sink adds and a compact-JSON key, as in the
// engine. MB/s counts record values only (MB = 10^6 bytes).
//
// CPU: "cpu us/rec" is this process's user + system time (every thread, so
// librdkafka's too) over the timed span, per record; with --broker-pid, the
// broker's CPU over the same span (from /proc) is reported beside it.

#include "kafka/producer.hpp"
#include "proto/record.hpp"
#include "sinks/kafka_sink.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
using kafka_settings_t = quarry::kafka::client_settings;

struct options {
  std::string bootstrap = "127.0.0.1:19092";
  long records = 300000;
  int record_bytes = 1024;
  long commit_every = 10000;
  long small_records = 20000;
  long small_commit_every = 10;
  int runs = 3;
  std::vector<std::string> modes = {"idempotent", "transactional", "small-txn", "sink"};
  std::vector<std::string> codecs = {"lz4", "none"};
  std::string data_dir;  // broker log.dirs, to report bytes on disk
  bool keep_topics = false;
  long broker_pid = 0;  // to report the broker's CPU
};

[[noreturn]] void usage(const char* argv0, int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: %s [--bootstrap HOST:PORT] [--records N] [--record-bytes B]\n"
               "          [--commit-every N] [--small-records N] [--small-commit-every N]\n"
               "          [--runs R] [--modes idempotent,transactional,small-txn,sink]\n"
               "          [--compression lz4,none] [--data-dir BROKER_LOG_DIR] [--keep-topics]\n"
               "          [--broker-pid PID]\n",
               argv0);
  std::exit(code);
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in{text};
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(argv[0], 2);
      return argv[++i];
    };
    if (arg == "--bootstrap") o.bootstrap = value();
    else if (arg == "--records") o.records = std::stol(value());
    else if (arg == "--record-bytes") o.record_bytes = std::stoi(value());
    else if (arg == "--commit-every") o.commit_every = std::stol(value());
    else if (arg == "--small-records") o.small_records = std::stol(value());
    else if (arg == "--small-commit-every") o.small_commit_every = std::stol(value());
    else if (arg == "--runs") o.runs = std::stoi(value());
    else if (arg == "--modes") o.modes = split(value());
    else if (arg == "--compression") o.codecs = split(value());
    else if (arg == "--data-dir") o.data_dir = value();
    else if (arg == "--keep-topics") o.keep_topics = true;
    else if (arg == "--broker-pid") o.broker_pid = std::stol(value());
    else if (arg == "--help" || arg == "-h") usage(argv[0], 0);
    else usage(argv[0], 2);
  }
  for (const auto& m : o.modes)
    if (m != "idempotent" && m != "transactional" && m != "small-txn" && m != "sink") usage(argv[0], 2);
  if (o.records <= 0 || o.record_bytes < 300 || o.commit_every <= 0 || o.runs <= 0 ||
      o.small_records <= 0 || o.small_records > o.records || o.small_commit_every <= 0)
    usage(argv[0], 2);
  return o;
}

// ---------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------

struct record {
  std::string key;
  std::string value;
};

constexpr const char* words[] = {
    "account",  "billing",   "campaign", "customer", "dashboard", "delivery", "email",
    "export",   "feature",   "invoice",  "journey",  "landing",   "mobile",   "newsletter",
    "onboard",  "payment",   "pipeline", "quarter",  "refund",    "renewal",  "segment",
    "session",  "signup",    "support",  "ticket",   "trial",     "upgrade",  "webinar",
    "workflow", "the",       "a",        "of",       "to",        "and",      "for",
    "with",     "after",     "before",   "opened",   "clicked",   "closed",   "updated",
    "requested", "resolved", "escalated", "scheduled", "failed",  "retried",  "approved"};
constexpr const char* event_types[] = {"page_view", "email_open", "email_click", "form_submit",
                                       "ticket_created", "ticket_solved", "purchase", "login"};
constexpr const char* agents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148"};

std::string hex(std::mt19937_64& rng, int digits) {
  static constexpr char h[] = "0123456789abcdef";
  std::string s;
  s.reserve(static_cast<std::size_t>(digits));
  std::uint64_t bits = 0;
  for (int i = 0; i < digits; ++i) {
    if (i % 16 == 0) bits = rng();
    s += h[bits & 15];
    bits >>= 4;
  }
  return s;
}

// One event as an API would return it; padded with a free-text description
// to `target` bytes (exactly, unless the fixed part is already longer).
record make_record(long n, int target, std::mt19937_64& rng) {
  auto pick = [&](auto& array) {
    return array[rng() % (sizeof array / sizeof array[0])];
  };
  const long account = static_cast<long>(rng() % 5000);
  const long user = static_cast<long>(rng() % 200000);
  const long secs = 1704067200L + n * 7 + static_cast<long>(rng() % 7);  // 2024-01-01 +
  const std::time_t t = secs;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  char id[32];
  std::snprintf(id, sizeof id, "evt-%010ld", n);

  std::string v;
  v.reserve(static_cast<std::size_t>(target) + 64);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                R"({"id":"%s","account_id":"acc-%05ld","type":"%s","occurred_at":"%s",)"
                R"("received_at":"%s","value":%ld,"amount":{"currency":"USD","cents":%ld},)",
                id, account, pick(event_types), when, when, static_cast<long>(rng() % 1000),
                static_cast<long>(rng() % 250000));
  v += buf;
  std::snprintf(buf, sizeof buf,
                R"("user":{"id":"usr-%06ld","email":"user%ld@example%ld.com","name":"User %ld",)"
                R"("locale":"en-US","plan":"%s"},)",
                user, user, account % 97, user, (rng() & 1) ? "pro" : "starter");
  v += buf;
  std::snprintf(buf, sizeof buf,
                R"("context":{"session_id":"%s","request_id":"%s","ip":"10.%d.%d.%d",)"
                R"("user_agent":"%s","page":{"url":"https://app.example.com/%s/%s?ref=%s",)"
                R"("referrer":"https://www.example.org/%s"}},)",
                hex(rng, 32).c_str(), hex(rng, 24).c_str(), static_cast<int>(rng() % 256),
                static_cast<int>(rng() % 256), static_cast<int>(rng() % 256), pick(agents),
                pick(words), pick(words), pick(words), pick(words));
  v += buf;
  std::snprintf(buf, sizeof buf,
                R"("tags":["%s","%s","%s"],"utm":{"source":"%s","medium":"email","campaign":"%s-%ld"},)",
                pick(words), pick(words), pick(words), pick(words), pick(words),
                static_cast<long>(rng() % 100));
  v += buf;
  v += R"("description":")";
  const std::size_t close = 2;  // "}
  while (v.size() + close < static_cast<std::size_t>(target)) {
    std::string w = pick(words);
    if (v.back() != '"') w.insert(w.begin(), ' ');
    const std::size_t room = static_cast<std::size_t>(target) - close - v.size();
    if (w.size() > room) w = std::string(room, '.');
    v += w;
  }
  v += "\"}";
  return {std::string{R"({"id":")"} + id + "\"}", std::move(v)};
}

std::vector<record> make_records(long n, int target) {
  std::mt19937_64 rng{20240101};
  std::vector<record> out;
  out.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) out.push_back(make_record(i, target, rng));
  return out;
}

// ---------------------------------------------------------------------------
// Broker helpers
// ---------------------------------------------------------------------------

void delete_topic(const std::string& bootstrap, const std::string& topic) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    std::fprintf(stderr, "publisher_bench: cannot delete %s: %s\n", topic.c_str(), errstr);
    return;
  }
  rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(topic.c_str());
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_DeleteTopics(rk, &dt, 1, nullptr, queue);
  if (rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 30'000)) {
    if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR)
      std::fprintf(stderr, "publisher_bench: cannot delete %s: %s\n", topic.c_str(),
                   rd_kafka_event_error_string(ev));
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(queue);
  rd_kafka_DeleteTopic_destroy(dt);
  rd_kafka_destroy(rk);
}

// Bytes of the topic's log segments in the broker's data dir (the broker
// stores batches as the producer compressed them); -1 if not found.
long long bytes_on_disk(const std::string& data_dir, const std::string& topic) {
  if (data_dir.empty()) return -1;
  namespace fs = std::filesystem;
  long long total = -1;
  std::error_code ec;
  for (int partition = 0;; ++partition) {
    const fs::path dir = fs::path{data_dir} / (topic + "-" + std::to_string(partition));
    if (!fs::is_directory(dir, ec)) break;
    if (total < 0) total = 0;
    for (const auto& entry : fs::directory_iterator{dir, ec})
      if (entry.path().extension() == ".log") total += static_cast<long long>(entry.file_size(ec));
  }
  return total;
}

// ---------------------------------------------------------------------------
// One run
// ---------------------------------------------------------------------------

struct run_result {
  long records = 0;
  double value_bytes = 0;
  double seconds = 0;        // timed span
  double setup_seconds = 0;  // create + init_transactions + topic
  double cpu_seconds = 0;    // this process, every thread, over the timed span
  double broker_cpu_seconds = -1;
  long long disk_bytes = -1;
  long commits = 0;
};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "publisher_bench: %s\n", what.c_str());
  std::exit(1);
}

void check(const quarry::status& st, const char* what) {
  if (!st) fail(std::string{what} + ": " + st.error().message);
}

double process_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// utime + stime of another process (/proc/PID/stat fields 14 and 15); -1 if unreadable.
double other_cpu_seconds(long pid) {
  if (pid <= 0) return -1;
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (f == nullptr) return -1;
  char buf[2048];
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');  // the command name may hold spaces
  if (p == nullptr) return -1;
  unsigned long long utime = 0, stime = 0;
  // After ")": state (3) ... utime (14), stime (15).
  if (std::sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
    return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The timed span's clocks: wall, this process's CPU, the broker's CPU.
struct span {
  clock_type::time_point wall;
  double cpu, broker;
  explicit span(long broker_pid)
      : wall(clock_type::now()), cpu(process_cpu_seconds()), broker(other_cpu_seconds(broker_pid)) {}
  void end(run_result& r, long broker_pid) const {
    r.seconds = std::chrono::duration<double>(clock_type::now() - wall).count();
    r.cpu_seconds = process_cpu_seconds() - cpu;
    const double b = other_cpu_seconds(broker_pid);
    r.broker_cpu_seconds = broker >= 0 && b >= 0 ? b - broker : -1;
  }
};

// A run id as the engine makes them (cli/engine.cpp new_run_id).
std::string run_id() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[64];
  std::strftime(text, sizeof text, "bench-%Y%m%dT%H%M%SZ-1a2b", &tm);
  return text;
}

// The raw producer (modes idempotent, transactional, small-txn), with the
// headers the sink adds.
run_result run_producer(const options& o, const std::vector<record>& records, const std::string& mode,
                        const kafka_settings_t& settings, const std::string& topic) {
  namespace kafka = quarry::kafka;
  namespace contract = quarry::contract;
  const bool txn = mode != "idempotent";
  const long n = mode == "small-txn" ? o.small_records : o.records;
  const long commit_every = mode == "small-txn" ? o.small_commit_every : o.commit_every;

  run_result r;
  const auto setup_start = clock_type::now();
  auto created = kafka::producer::create(settings, txn ? topic + "-txn" : std::string{});
  if (!created) fail("producer: " + created.error().message);
  auto producer = std::move(created).value();
  if (txn) check(producer->init_transactions(), "init_transactions");
  check(producer->ensure_topic(topic), "ensure_topic");

  const std::string run = run_id();
  const kafka::header headers[] = {{contract::header_run, run},
                                   {contract::header_schema, "0123456789abcdef"}};
  // Warm-up, untimed: one record delivered (and committed) so the topic's
  // metadata and leader are known and the producer id is acquired.
  if (txn) check(producer->begin_transaction(), "begin_transaction");
  check(producer->produce(topic, records[0].key, records[0].value, headers), "produce");
  check(txn ? producer->commit_transaction() : producer->flush(), "warm-up");
  r.setup_seconds = std::chrono::duration<double>(clock_type::now() - setup_start).count();

  const span timed{o.broker_pid};
  if (txn) check(producer->begin_transaction(), "begin_transaction");
  long in_txn = 0;
  for (long i = 0; i < n; ++i) {
    const auto& rec = records[static_cast<std::size_t>(i)];
    r.value_bytes += static_cast<double>(rec.value.size());
    check(producer->produce(topic, rec.key, rec.value, headers), "produce");
    if (txn && ++in_txn == commit_every) {
      check(producer->commit_transaction(), "commit_transaction");
      ++r.commits;
      in_txn = 0;
      if (i + 1 < n) check(producer->begin_transaction(), "begin_transaction");
    }
  }
  if (txn) {
    if (in_txn > 0) {
      check(producer->commit_transaction(), "commit_transaction");
      ++r.commits;
    }
  } else {
    check(producer->flush(std::chrono::minutes(5)), "flush");
  }
  timed.end(r, o.broker_pid);
  r.records = n;

  const auto stats = producer->stats();
  if (auto err = producer->take_delivery_error()) fail(*err);
  if (stats.delivered != static_cast<std::uint64_t>(n) + 1 || stats.failed != 0)
    fail("delivered " + std::to_string(stats.delivered) + " of " + std::to_string(n + 1) +
         " (failed " + std::to_string(stats.failed) + ")");
  producer.reset();
  r.disk_bytes = bytes_on_disk(o.data_dir, topic);
  if (!o.keep_topics) delete_topic(o.bootstrap, topic);
  return r;
}

// Mode sink: the engine's Kafka sink, as a worker drives it (a record per
// write, a bookmark per commit). Its topics are <prefix>.synthetic.events and
// <prefix>._state.
run_result run_sink(const options& o, const std::vector<record>& records,
                    const kafka_settings_t& settings, const std::string& prefix) {
  namespace contract = quarry::contract;
  run_result r;
  const auto setup_start = clock_type::now();
  auto factory = quarry::sinks::make_kafka_sink_factory(settings, prefix);
  auto sink = factory->make("bench");
  check(sink->open(), "open");
  quarry::sinks::record_origin origin;
  origin.prefix = prefix;
  origin.source = "synthetic";
  origin.job = "bench";
  origin.run = run_id();
  quarry::stream_info stream;
  stream.name = "events";
  stream.key_fields = {"id"};
  stream.schema = R"({"type":"object","properties":{"id":{"type":"string"}}})";
  stream.fingerprint = contract::fingerprint(stream.schema);
  stream.replication_key = "occurred_at";
  // One task's state change per commit, as a worker commits a task alone.
  auto bookmark = [&](long i) {
    return std::vector<quarry::sinks::task_states>{
        {&origin,
         {{quarry::sinks::state_update::kind::bookmark, "events", "", "{\"n\":" + std::to_string(i) + "}"}}}};
  };
  const std::string topic = contract::records_topic(prefix, origin.source, stream.name);
  check(sink->write(origin, stream, records[0].key, records[0].value), "write");
  check(sink->commit(bookmark(0)), "warm-up");
  r.setup_seconds = std::chrono::duration<double>(clock_type::now() - setup_start).count();

  const span timed{o.broker_pid};
  long in_txn = 0;
  for (long i = 0; i < o.records; ++i) {
    const auto& rec = records[static_cast<std::size_t>(i)];
    r.value_bytes += static_cast<double>(rec.value.size());
    check(sink->write(origin, stream, rec.key, rec.value), "write");
    if (++in_txn == o.commit_every || i + 1 == o.records) {
      check(sink->commit(bookmark(i)), "commit");
      ++r.commits;
      in_txn = 0;
    }
  }
  timed.end(r, o.broker_pid);
  r.records = o.records;
  sink.reset();
  r.disk_bytes = bytes_on_disk(o.data_dir, topic);
  if (!o.keep_topics) {
    delete_topic(o.bootstrap, topic);
    delete_topic(o.bootstrap, contract::state_topic(prefix));
  }
  return r;
}

run_result run_once(const options& o, const std::vector<record>& records, const std::string& mode,
                    const std::string& codec, const std::string& topic) {
  kafka_settings_t settings;
  settings.bootstrap_servers = o.bootstrap;
  settings.compression = codec;
  if (mode == "sink") return run_sink(o, records, settings, topic);
  return run_producer(o, records, mode, settings, topic);
}

// ---------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// (max - min) / median, in percent.
double spread_pct(const std::vector<double>& v) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  const double m = median(v);
  return m > 0 ? 100.0 * (*hi - *lo) / m : 0;
}

} // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);

  std::printf("publisher_bench: %ld records of %d B per run, %d run(s) per case, broker %s\n",
              o.records, o.record_bytes, o.runs, o.bootstrap.c_str());
  const auto gen_start = clock_type::now();
  const auto records = make_records(o.records, o.record_bytes);
  double value_bytes = 0;
  for (const auto& r : records) value_bytes += static_cast<double>(r.value.size());
  std::printf("generated in %.2f s; mean value %.0f B, e.g.\n  %s\n\n",
              std::chrono::duration<double>(clock_type::now() - gen_start).count(),
              value_bytes / static_cast<double>(o.records), records[1].value.c_str());

  struct case_results {
    std::vector<double> rate;   // records/s
    std::vector<double> mbps;   // MB/s of values
    std::vector<double> commit_ms;
    std::vector<double> setup;  // s
    std::vector<double> cpu_us;     // per record, this process
    std::vector<double> broker_us;  // per record, the broker (with --broker-pid)
    long long disk = -1;
    double value_bytes = 0;
    long commits = 0;
  };
  std::map<std::pair<std::string, std::string>, case_results> results;
  const std::string stamp = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());

  std::printf("%-5s %-14s %-6s %10s %12s %9s %9s %11s %11s\n", "round", "mode", "codec", "seconds",
              "records/s", "MB/s", "setup s", "cpu us/rec", "broker us");
  for (int round = 1; round <= o.runs; ++round) {
    for (const auto& codec : o.codecs) {
      for (const auto& mode : o.modes) {
        const std::string topic = "bench.publisher." + stamp + "-" + std::to_string(getpid()) +
                                  "." + mode + "." + codec + "." + std::to_string(round);
        const auto r = run_once(o, records, mode, codec, topic);
        const double rate = static_cast<double>(r.records) / r.seconds;
        const double mbps = r.value_bytes / r.seconds / 1e6;
        const double cpu_us = 1e6 * r.cpu_seconds / static_cast<double>(r.records);
        const double broker_us =
            r.broker_cpu_seconds < 0 ? -1 : 1e6 * r.broker_cpu_seconds / static_cast<double>(r.records);
        auto& c = results[{mode, codec}];
        c.rate.push_back(rate);
        c.mbps.push_back(mbps);
        c.cpu_us.push_back(cpu_us);
        if (broker_us >= 0) c.broker_us.push_back(broker_us);
        if (r.commits > 0) c.commit_ms.push_back(1000 * r.seconds / static_cast<double>(r.commits));
        c.setup.push_back(r.setup_seconds);
        c.disk = r.disk_bytes;
        c.value_bytes = r.value_bytes;
        c.commits = r.commits;
        std::printf("%-5d %-14s %-6s %10.2f %12.0f %9.1f %9.2f %11.2f %11.2f\n", round, mode.c_str(),
                    codec.c_str(), r.seconds, rate, mbps, r.setup_seconds, cpu_us, broker_us);
        std::fflush(stdout);
      }
    }
  }

  std::printf("\nSummary (median of %d, spread = (max-min)/median; MB = 10^6 B of values)\n",
              o.runs);
  std::printf("%-14s %-6s %9s %12s %8s %9s %8s %10s %11s %11s %11s\n", "mode", "codec", "records",
              "records/s", "spread", "MB/s", "commits", "ms/commit", "disk/value", "cpu us/rec",
              "broker us");
  for (const auto& codec : o.codecs) {
    for (const auto& mode : o.modes) {
      const auto& c = results[{mode, codec}];
      char disk[32] = "n/a", per_commit[32] = "-", broker[32] = "-";
      if (c.disk >= 0)
        std::snprintf(disk, sizeof disk, "%.2f", static_cast<double>(c.disk) / c.value_bytes);
      if (!c.commit_ms.empty()) std::snprintf(per_commit, sizeof per_commit, "%.2f", median(c.commit_ms));
      if (!c.broker_us.empty()) std::snprintf(broker, sizeof broker, "%.2f", median(c.broker_us));
      std::printf("%-14s %-6s %9ld %12.0f %7.1f%% %9.1f %8ld %10s %11s %11.2f %11s\n", mode.c_str(),
                  codec.c_str(), mode == "small-txn" ? o.small_records : o.records,
                  median(c.rate), spread_pct(c.rate), median(c.mbps), c.commits, per_commit, disk,
                  median(c.cpu_us), broker);
    }
  }

  // Ratios paired within a round (both cases ran back to back), then the median.
  auto paired = [&](std::pair<std::string, std::string> a, std::pair<std::string, std::string> b,
                    const char* label) {
    if (!results.count(a) || !results.count(b)) return;
    std::vector<double> ratio;
    for (int i = 0; i < o.runs; ++i)
      ratio.push_back(results[a].rate[static_cast<std::size_t>(i)] /
                      results[b].rate[static_cast<std::size_t>(i)]);
    const auto [lo, hi] = std::minmax_element(ratio.begin(), ratio.end());
    std::printf("%-44s %6.2f  (range %.2f-%.2f)\n", label, median(ratio), *lo, *hi);
  };
  std::printf("\nRatios of records/s (per round, median)\n");
  for (const auto& codec : o.codecs)
    paired({"transactional", codec}, {"idempotent", codec},
           ("transactional / idempotent, " + codec).c_str());
  for (const auto& mode : o.modes)
    paired({mode, "lz4"}, {mode, "none"}, ("lz4 / none, " + mode).c_str());
  return 0;
}
