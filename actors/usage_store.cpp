#include "actors/usage_store.hpp"

#include "kafka/producer.hpp"
#include "kafka/topic_reader.hpp"
#include "proto/record.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace quarry::actors {
namespace {

using nlohmann::json;

std::int64_t unix_ms(quota::wall_time t) {
  return std::chrono::ceil<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

quota::wall_time from_unix_ms(std::int64_t ms) {
  return quota::wall_time{std::chrono::milliseconds(ms)};
}

// {"day": "YYYY-MM-DD", "calls": n, "bytes": n, "windows_until_ms": unix ms,
//  "windows": [{"scope": s, "span_ms": n, "released_ms": [unix ms, ...]}, ...],
//  "windows_ahead": n}
// (quota_ledger.hpp, "Windows are reserved"; the windows members are absent
// for an account without windows). Times are rounded up to the millisecond:
// a call kept a little longer in a window is safe, a little shorter is not.
json to_json(const quota::persisted_usage& u) {
  json out = {{"day", u.day}, {"calls", u.calls}, {"bytes", u.bytes}};
  if (u.windows_until) out["windows_until_ms"] = unix_ms(*u.windows_until);
  if (!u.windows.empty()) {
    json windows = json::array();
    for (const auto& w : u.windows) {
      json released = json::array();
      for (const auto t : w.released) released.push_back(unix_ms(t));
      windows.push_back({{"scope", w.scope}, {"span_ms", w.span.count()}, {"released_ms", std::move(released)}});
    }
    out["windows"] = std::move(windows);
    out["windows_ahead"] = u.windows_ahead;
  }
  return out;
}

// nullopt when `j` is not a whole record; load() refuses it rather than
// start the day at 0, which could spend past the budget.
std::optional<quota::persisted_usage> from_json(const json& j) {
  if (!j.is_object() || !j.contains("day") || !j["day"].is_string()) return std::nullopt;
  try {
    quota::persisted_usage out{j["day"].get<std::string>(), j.value("calls", std::int64_t{0}),
                               j.value("bytes", std::int64_t{0})};
    if (j.contains("windows_until_ms")) out.windows_until = from_unix_ms(j["windows_until_ms"].get<std::int64_t>());
    out.windows_ahead = j.value("windows_ahead", std::int64_t{0});
    if (j.contains("windows"))
      for (const auto& w : j["windows"]) {
        quota::persisted_usage::window_calls kept{w.at("scope").get<std::string>(),
                                                  std::chrono::milliseconds(w.at("span_ms").get<std::int64_t>()),
                                                  {}};
        for (const auto& t : w.at("released_ms")) kept.released.push_back(from_unix_ms(t.get<std::int64_t>()));
        out.windows.push_back(std::move(kept));
      }
    return out;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

class kafka_usage_store final : public usage_store {
 public:
  kafka_usage_store(kafka::client_settings settings, std::string prefix)
      : settings_(std::move(settings)), topic_(contract::quota_topic(prefix)) {}

  result<std::optional<quota::persisted_usage>> load(const std::string& account) override {
    std::optional<quota::persisted_usage> last;
    bool unreadable = false;
    auto st = kafka::read_to_end(settings_, topic_, [&](kafka::consumed_message&& m) {
      if (m.key != account) return;
      last = m.value ? decode_usage(*m.value) : std::nullopt;
      unreadable = m.value && !last;
    });
    if (!st) return std::move(st).error();
    if (unreadable) return make_error(error_kind::fatal, "the last record of " + account + " in " + topic_ + " is not a quota usage record");
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
    if (auto st = producer_->produce(topic_, account, encode_usage(usage)); !st) return st;
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
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    auto usage = decode_usage(text);
    if (!usage) return make_error(error_kind::fatal, path_of(account) + " is not a quota usage record");
    return usage;
  }

  status save(const std::string& account, const quota::persisted_usage& usage) override {
    std::error_code ec;
    std::filesystem::create_directories(directory_, ec);
    const std::string path = path_of(account);
    const std::string tmp = path + ".tmp";
    {
      std::ofstream out{tmp, std::ios::trunc};
      out << encode_usage(usage) << '\n';
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

std::string encode_usage(const quota::persisted_usage& usage) { return to_json(usage).dump(); }

std::optional<quota::persisted_usage> decode_usage(std::string_view text) {
  return from_json(json::parse(text, nullptr, false));
}

std::shared_ptr<usage_store> make_kafka_usage_store(kafka::client_settings settings,
                                                    std::string prefix) {
  return std::make_shared<kafka_usage_store>(std::move(settings), std::move(prefix));
}

std::shared_ptr<usage_store> make_file_usage_store(std::string directory) {
  return std::make_shared<file_usage_store>(std::move(directory));
}

} // namespace quarry::actors
