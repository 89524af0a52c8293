#include "actors/usage_store.hpp"

#include "kafka/producer.hpp"
#include "kafka/topic_reader.hpp"
#include "proto/record.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace quarry::actors {
namespace {

using nlohmann::json;

// {"day": "YYYY-MM-DD", "calls": n, "bytes": n, "windows_until_ms": unix ms}
// (windows_until_ms absent: no call was granted under a window yet).
json to_json(const quota::persisted_usage& u) {
  json out = {{"day", u.day}, {"calls", u.calls}, {"bytes", u.bytes}};
  if (u.windows_until)
    out["windows_until_ms"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(u.windows_until->time_since_epoch()).count();
  return out;
}

std::optional<quota::persisted_usage> from_json(const json& j) {
  if (!j.is_object() || !j.contains("day") || !j["day"].is_string()) return std::nullopt;
  quota::persisted_usage out{j["day"].get<std::string>(), j.value("calls", std::int64_t{0}),
                             j.value("bytes", std::int64_t{0})};
  if (j.contains("windows_until_ms") && j["windows_until_ms"].is_number_integer())
    out.windows_until =
        quota::wall_time{std::chrono::milliseconds(j["windows_until_ms"].get<std::int64_t>())};
  return out;
}

class kafka_usage_store final : public usage_store {
 public:
  kafka_usage_store(kafka::client_settings settings, std::string prefix)
      : settings_(std::move(settings)), topic_(contract::quota_topic(prefix)) {}

  result<std::optional<quota::persisted_usage>> load(const std::string& account) override {
    std::optional<quota::persisted_usage> last;
    auto st = kafka::read_to_end(settings_, topic_, [&](kafka::consumed_message&& m) {
      if (m.key != account) return;
      last = m.value ? from_json(json::parse(*m.value, nullptr, false)) : std::nullopt;
    });
    if (!st) return std::move(st).error();
    return last;
  }

  // Durable before it answers: produce, then wait for the acknowledgement.
  status save(const std::string& account, const quota::persisted_usage& usage) override {
    if (!producer_) {
      auto p = kafka::producer::create(settings_);
      if (!p) return std::move(p).error();
      producer_ = std::move(p).value();
      if (auto st = producer_->ensure_topic(topic_, {.compacted = true, .retention_ms = std::nullopt}); !st) return st;
    }
    const auto before = producer_->stats().failed;
    if (auto st = producer_->produce(topic_, account, to_json(usage).dump()); !st) return st;
    if (auto st = producer_->flush(std::chrono::seconds(30)); !st) return st;
    if (producer_->stats().failed != before)
      return make_error(error_kind::retriable,
                        producer_->take_delivery_error().value_or("quota usage not delivered"));
    return {};
  }

 private:
  kafka::client_settings settings_;
  std::string topic_;
  std::unique_ptr<kafka::producer> producer_;
};

class file_usage_store final : public usage_store {
 public:
  explicit file_usage_store(std::string directory) : directory_(std::move(directory)) {}

  result<std::optional<quota::persisted_usage>> load(const std::string& account) override {
    std::ifstream in{path_of(account)};
    if (!in) return std::optional<quota::persisted_usage>{};
    return from_json(json::parse(in, nullptr, false));
  }

  status save(const std::string& account, const quota::persisted_usage& usage) override {
    std::error_code ec;
    std::filesystem::create_directories(directory_, ec);
    const std::string path = path_of(account);
    const std::string tmp = path + ".tmp";
    {
      std::ofstream out{tmp, std::ios::trunc};
      out << to_json(usage).dump() << '\n';
      if (!out.flush()) return make_error(error_kind::fatal, "cannot write " + tmp);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
      return make_error(error_kind::fatal, "cannot replace " + path + ": " + std::strerror(errno));
    return {};
  }

 private:
  std::string path_of(const std::string& account) const {
    return directory_ + "/quota-" + account + ".json";
  }
  std::string directory_;
};

} // namespace

std::shared_ptr<usage_store> make_kafka_usage_store(kafka::client_settings settings,
                                                    std::string prefix) {
  return std::make_shared<kafka_usage_store>(std::move(settings), std::move(prefix));
}

std::shared_ptr<usage_store> make_file_usage_store(std::string directory) {
  return std::make_shared<file_usage_store>(std::move(directory));
}

} // namespace quarry::actors
