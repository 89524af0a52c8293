#include "config/normalised.hpp"

#include "schedule/schedule.hpp"

#include <date/date.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace quarry::config {
namespace {

using nlohmann::ordered_json;

// {"env": NAME} or {"file": PATH}, from the secret's origin ("env:NAME").
ordered_json reference(const secret& s) {
  const std::string origin = s.origin();
  const auto colon = origin.find(':');
  return {{origin.substr(0, colon), origin.substr(colon + 1)}};
}

ordered_json value_json(const property_value& v) {
  if (const secret* s = v.as_secret()) return reference(*s);
  return v.reveal();  // plain text: not a secret
}

// RFC 3339 UTC, milliseconds only when there are some.
std::string utc_text(timestamp t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  return seconds == t ? date::format("%FT%TZ", seconds) : date::format("%FT%TZ", t);
}

std::string clock_text(int minute) {
  char text[8];
  std::snprintf(text, sizeof text, "%02d:%02d", minute / 60 % 24, minute % 60);
  return text;
}

// schedule::describe() is "every <interval> from <anchor> <zone>" or
// "cron <five fields> <zone>", each part in the config's own spelling.
ordered_json schedule_json(const scheduling::schedule& s) {
  std::istringstream words(s.describe());
  std::vector<std::string> parts;
  for (std::string w; words >> w;) parts.push_back(w);
  const std::string zone = s.time_zone().name();
  if (parts.size() == 5 && parts[0] == "every")
    return {{"every", parts[1]}, {"anchor", parts[3]}, {"time_zone", zone}};
  std::string cron;
  for (std::size_t i = 1; i + 1 < parts.size(); ++i) cron += (cron.empty() ? "" : " ") + parts[i];
  return {{"cron", cron}, {"time_zone", zone}};
}

ordered_json tls_json(const tls_config& tls) {
  return {{"ca", tls.ca}, {"cert", tls.cert}, {"key", {{"file", tls.key_file}}}};
}

ordered_json kafka_json(const kafka_config& k) {
  ordered_json out = {{"embedded", k.embedded},
                      {"bootstrap_servers", k.bootstrap_servers},
                      {"topic_prefix", k.topic_prefix},
                      {"compression", to_string(k.compression)},
                      {"topic_partitions", k.topic_partitions},
                      {"replication_factor", k.replication_factor},
                      {"value_format", to_string(k.format)},
                      {"connect_timestamps", to_string(k.timestamps)},
                      {"connect_nested", to_string(k.nested)},
                      {"compact_record_topics", k.compact_record_topics}};
  if (k.record_retention_ms) out["record_retention_ms"] = *k.record_retention_ms;
  if (k.schema_registry) {
    ordered_json r = {{"url", k.schema_registry->url}};
    if (k.schema_registry->user_info) r["user_info"] = reference(*k.schema_registry->user_info);
    out["schema_registry"] = std::move(r);
  }
  ordered_json properties = ordered_json::object();
  for (const auto& p : k.properties) properties[p.name] = value_json(p.value);
  out["properties"] = std::move(properties);
  return out;
}

ordered_json serve_json(const serve_config& s) {
  ordered_json out = ordered_json::object();
  if (s.admin_token) out["admin_token"] = reference(*s.admin_token);
  out["cluster_listen"] = s.cluster_listen;
  out["grace_period_s"] = s.grace_period_s;
  out["heartbeat_ms"] = s.heartbeat_ms;
  out["peer_timeout_ms"] = s.peer_timeout_ms;
  out["local_workers"] = s.local_workers;
  if (s.tls) out["tls"] = tls_json(*s.tls);
  return out;
}

ordered_json quota_json(const quota_config& q) {
  ordered_json out = ordered_json::object();
  if (q.daily_calls) out["daily_calls"] = *q.daily_calls;
  if (q.daily_reset_minute) out["daily_reset"] = clock_text(*q.daily_reset_minute);
  if (q.time_zone) out["time_zone"] = *q.time_zone;
  if (!q.windows.empty()) {
    ordered_json windows = ordered_json::array();
    for (const auto& w : q.windows) windows.push_back({{"calls", w.calls}, {"seconds", w.seconds}});
    out["windows"] = std::move(windows);
  }
  if (q.concurrency) out["concurrency"] = *q.concurrency;
  if (q.daily_bytes) out["daily_bytes"] = *q.daily_bytes;
  return out;
}

ordered_json account_json(const account_config& a) {
  ordered_json out = {{"source", a.source}};
  if (a.endpoint) out["endpoint"] = *a.endpoint;
  ordered_json credentials = ordered_json::object();
  for (const auto& [field, value] : a.credentials) credentials[field] = value_json(value);
  out["credentials"] = std::move(credentials);
  out["quota"] = quota_json(a.quota);
  // Settings named like secrets are secret refs (validation), so the
  // object is printed as written.
  out["settings"] = a.settings ? ordered_json(*a.settings) : ordered_json::object();
  return out;
}

// A list when every entry is a plain selection (the list form keeps their
// order); else the object form, whose keys parse() reads in sorted order.
ordered_json streams_json(const std::vector<stream_selection>& streams) {
  bool plain = true;
  for (const auto& s : streams) plain = plain && s.selected && s.columns.empty();
  if (plain) {
    ordered_json out = ordered_json::array();
    for (const auto& s : streams) out.push_back(s.pattern);
    return out;
  }
  ordered_json out = ordered_json::object();
  for (const auto& s : streams) {
    ordered_json entry = {{"selected", s.selected}};
    if (!s.columns.empty()) entry["columns"] = s.columns;
    out[s.pattern] = std::move(entry);
  }
  return out;
}

ordered_json job_json(const job_config& j) {
  ordered_json out = {{"name", j.name}, {"account", j.account}, {"start_date", utc_text(j.start_date)}};
  if (j.streams) out["streams"] = streams_json(*j.streams);
  if (j.topic_prefix) out["topic_prefix"] = *j.topic_prefix;
  if (j.schedule) out["schedule"] = schedule_json(*j.schedule);
  return out;
}

} // namespace

ordered_json normalised_json(const quarry_config& config) {
  ordered_json out;
  out["kafka"] = kafka_json(config.kafka);
  out["telemetry"] = {{"listen", config.telemetry.listen},
                      {"log_level", to_string(config.telemetry.log_level)}};
  const auto& e = config.engine;
  out["engine"] = {{"workers", e.workers},
                   {"checkpoint_records", e.checkpoint_records},
                   {"checkpoint_interval_ms", e.checkpoint_interval_ms},
                   {"task_attempts", e.task_attempts},
                   {"request_timeout_ms", e.request_timeout_ms}};
  out["serve"] = serve_json(config.serve);
  out["worker"] = ordered_json::object();
  if (config.worker.tls) out["worker"]["tls"] = tls_json(*config.worker.tls);
  ordered_json accounts = ordered_json::object();
  for (const auto& a : config.accounts) accounts[a.name] = account_json(a);  // sorted by name
  out["accounts"] = std::move(accounts);
  ordered_json jobs = ordered_json::array();
  for (const auto& j : config.jobs) jobs.push_back(job_json(j));
  out["jobs"] = std::move(jobs);
  return out;
}

} // namespace quarry::config
