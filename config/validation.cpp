#include "config/validation.hpp"

#include "config/json_pointer.hpp"
#include "schedule/schedule.hpp"

#include <nlohmann/json.hpp>

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <set>
#include <utility>

namespace quarry::config {
namespace {

using nlohmann::json;
using name_list = std::vector<std::string_view>;

constexpr std::string_view inline_secret_message =
    R"(secrets must be given as {"env": NAME} or {"file": PATH}, not inline)";

constexpr std::int64_t int_max = INT_MAX;
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

// Librdkafka properties quarry sets itself, and why.
constexpr std::pair<std::string_view, std::string_view> owned_kafka_properties[] = {
    {"bootstrap.servers", "; give /kafka/bootstrap_servers instead"},
    {"enable.idempotence", " (exactly-once delivery depends on it); remove it"},
    {"acks", " (exactly-once delivery depends on it); remove it"},
    {"transactional.id", " (exactly-once delivery depends on it); remove it"},
    {"isolation.level", " (exactly-once delivery depends on it); remove it"},
};

// A kafka property whose name contains one of these must be a secret.
constexpr std::string_view sensitive_kafka_fragments[] = {
    "password", "secret", "sasl.jaas.config", "ssl.key.pem",
    "sasl.oauthbearer.config"};

// A member of /accounts/<n>/settings whose name (in lower case) contains one
// of these must be a secret ref.
constexpr std::string_view sensitive_setting_fragments[] = {
    "password", "passwd", "secret", "token", "api_key", "apikey", "private_key", "credential"};

// The integer type behind an integer or optional integer model field.
template <class T> struct int_target { using type = T; };
template <class T> struct int_target<std::optional<T>> { using type = T; };

std::string join(const name_list& names) {
  std::string out;
  for (auto name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// `text` as a JSON string literal, cut after 64 bytes: for echoing a value
// that is known not to be a secret.
std::string quote_value(std::string_view text) {
  constexpr std::size_t max_echo = 64;
  const bool cut = text.size() > max_echo;
  std::string out = json(std::string(text.substr(0, max_echo)))
                        .dump(-1, ' ', false, json::error_handler_t::replace);
  if (cut) out.insert(out.size() - 1, "...");
  return out;
}

std::string_view kind_of(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a non-integer number";
    default: return "an unsupported value";
  }
}

std::string int_range_text(std::int64_t min, std::int64_t max) {
  if (max == int_max || max == int64_max)
    return "an integer >= " + std::to_string(min);
  return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

// "unknown <what> "<given>"; did you mean "<x>"?" or "...; expected one of: ..."
std::string unknown_name_message(std::string_view what, std::string_view given,
                                 const name_list& known) {
  std::string message = "unknown " + std::string(what) + " " + quote_value(given);
  if (auto close = closest_name(given, known))
    message += "; did you mean " + quote_value(*close) + "?";
  else if (!known.empty())
    message += "; expected one of: " + join(known);
  return message;
}

const json* member(const json& object, std::string_view key) {
  const auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &*it;
}

bool is_env_name(std::string_view name) {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_';
  });
}

bool is_kafka_property_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

bool is_stream_pattern(std::string_view text) {
  return !text.empty() && std::none_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) <= ' ' || c == '\x7f';
  });
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// Walks one document. Every read_* reports its own problems and answers
// nullopt (or a default) when the value is unusable, so that one mistake
// yields one issue and the walk always reaches the end of the document.
class validator {
 public:
  validator(const std::vector<source_rules>& sources, secret_resolution secrets,
            std::vector<config_issue>& issues)
      : sources_(sources), secrets_(secrets), issues_(issues) {}

  quarry_config run(const json& doc) {
    quarry_config cfg;
    if (!doc.is_object()) {
      report_type("", "an object", doc);
      return cfg;
    }
    check_known_fields(doc, "", {"kafka", "telemetry", "engine", "serve", "worker", "accounts", "jobs"});
    cfg.kafka = read_kafka(member(doc, "kafka"));
    if (const json* v = member(doc, "telemetry")) cfg.telemetry = read_telemetry(*v);
    if (const json* v = member(doc, "engine")) cfg.engine = read_engine(*v);
    cfg.serve = read_serve(member(doc, "serve"), cfg.engine);
    if (const json* v = member(doc, "worker")) cfg.worker = read_worker(*v);
    const json* accounts = member(doc, "accounts");
    if (accounts) cfg.accounts = read_accounts(*accounts);
    if (const json* v = member(doc, "jobs")) {
      cfg.jobs = read_jobs(*v, accounts);
      if (v->is_array()) check_selections(*v, cfg);
    }
    return cfg;
  }

 private:
  void report(std::string pointer, std::string message) {
    issues_.push_back({std::move(pointer), std::move(message)});
  }

  void report_type(const std::string& ptr, std::string_view expected, const json& got) {
    report(ptr, "expected " + std::string(expected) + ", got " + std::string(kind_of(got)));
  }

  void report_missing(const std::string& ptr, std::string_view expected) {
    report(ptr, "missing required field; expected " + std::string(expected));
  }

  // Reports each member of `object` whose name is not in `known`.
  void check_known_fields(const json& object, const std::string& ptr,
                          std::initializer_list<std::string_view> known) {
    const name_list names(known);
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (std::find(names.begin(), names.end(), it.key()) != names.end()) continue;
      report(pointer_append(ptr, it.key()), unknown_name_message("field", it.key(), names));
    }
  }

  bool require_object(const json& v, const std::string& ptr) {
    if (v.is_object()) return true;
    report_type(ptr, "an object", v);
    return false;
  }

  std::optional<bool> read_bool(const json& v, const std::string& ptr) {
    if (v.is_boolean()) return v.get<bool>();
    report_type(ptr, "true or false", v);
    return std::nullopt;
  }

  std::optional<std::string> read_string(const json& v, const std::string& ptr) {
    if (v.is_string()) return v.get<std::string>();
    report_type(ptr, "a string", v);
    return std::nullopt;
  }

  std::optional<std::int64_t> read_int(const json& v, const std::string& ptr,
                                       std::int64_t min, std::int64_t max) {
    const std::string expected = int_range_text(min, max);
    if (!v.is_number_integer()) {
      report_type(ptr, expected, v);
      return std::nullopt;
    }
    const bool too_big = v.is_number_unsigned() &&
                         v.get<std::uint64_t>() > static_cast<std::uint64_t>(max);
    if (too_big || v.get<std::int64_t>() < min || v.get<std::int64_t>() > max) {
      report(ptr, "must be " + expected + ", got " + v.dump());
      return std::nullopt;
    }
    return v.get<std::int64_t>();
  }

  // Sets `out` (an integer or an optional one) from member `key` of
  // `object` when present and in range.
  template <class Int>
  void read_int_field(const json& object, const std::string& ptr,
                      std::string_view key, std::int64_t min, std::int64_t max,
                      Int& out) {
    if (const json* v = member(object, key))
      if (auto n = read_int(*v, pointer_append(ptr, key), min, max))
        out = static_cast<typename int_target<Int>::type>(*n);
  }

  // One of the enum's names (config.hpp's names_of).
  template <class Enum>
  std::optional<Enum> read_enum(const json& v, const std::string& ptr) {
    const auto choices = names_of(Enum{});
    name_list names;
    for (const auto& [name, value] : choices) names.push_back(name);
    const std::string expected = "one of " + join(names);
    if (!v.is_string()) {
      report_type(ptr, expected, v);
      return std::nullopt;
    }
    const auto& text = v.get_ref<const std::string&>();
    for (const auto& [name, value] : choices)
      if (name == text) return value;
    std::string message = "expected " + expected + "; got " + quote_value(text);
    if (auto close = closest_name(text, names))
      message += " (did you mean " + quote_value(*close) + "?)";
    report(ptr, std::move(message));
    return std::nullopt;
  }

  // {"env": NAME} or {"file": PATH}, resolved.
  std::optional<secret> read_secret_ref(const json& v, const std::string& ptr) {
    check_known_fields(v, ptr, {"env", "file"});
    const json* env = member(v, "env");
    const json* file = member(v, "file");
    if (env && file) {
      report(ptr, R"(a secret ref names exactly one of "env" or "file")");
      return std::nullopt;
    }
    if (!env && !file) {
      // Unknown members were reported above; an empty object was not.
      if (v.empty())
        report(ptr, R"(expected a secret ref {"env": NAME} or {"file": PATH}, got an empty object)");
      return std::nullopt;
    }
    const std::string key_ptr = pointer_append(ptr, env ? "env" : "file");
    const auto where = read_string(env ? *env : *file, key_ptr);
    if (!where) return std::nullopt;
    if (where->empty()) {
      report(key_ptr, "must not be empty");
      return std::nullopt;
    }
    if (env && !is_env_name(*where)) {
      report(key_ptr, "expected an environment variable name [A-Za-z_][A-Za-z0-9_]*");
      return std::nullopt;
    }
    if (secrets_ == secret_resolution::shape_only)
      return env ? secret::unresolved_env(*where) : secret::unresolved_file(*where);
    auto resolved = env ? secret::from_env(*where) : secret::from_file(*where);
    if (!resolved) {
      report(ptr, resolved.error().message);
      return std::nullopt;
    }
    return std::move(resolved).value();
  }

  // A plain string or a secret ref; only a secret ref when `must_be_secret`.
  std::optional<property_value> read_property_value(const json& v, const std::string& ptr,
                                                    bool must_be_secret) {
    if (v.is_string()) {
      if (must_be_secret) {
        report(ptr, std::string(inline_secret_message));
        return std::nullopt;
      }
      return property_value(v.get<std::string>());
    }
    if (v.is_object()) {
      auto s = read_secret_ref(v, ptr);
      if (!s) return std::nullopt;
      return property_value(std::move(*s));
    }
    report_type(ptr,
                must_be_secret ? R"(a secret ref {"env": NAME} or {"file": PATH})"
                               : R"(a string or a secret ref {"env": NAME} or {"file": PATH})",
                v);
    return std::nullopt;
  }

  // ---- /kafka ----------------------------------------------------------

  kafka_config read_kafka(const json* v) {
    kafka_config k;
    const std::string ptr = "/kafka";
    if (!v) {
      report(ptr, "missing required section; give bootstrap_servers, or set embedded to true");
      return k;
    }
    if (!require_object(*v, ptr)) return k;
    check_known_fields(*v, ptr,
                       {"embedded", "bootstrap_servers", "topic_prefix", "compression",
                        "topic_partitions", "replication_factor", "value_format",
                        "connect_timestamps", "connect_nested", "compact_record_topics",
                        "record_retention_ms", "schema_registry", "properties"});

    // nullopt when /kafka/embedded is malformed: then whether bootstrap
    // servers are required is unknown and not reported.
    std::optional<bool> embedded = false;
    if (const json* e = member(*v, "embedded")) embedded = read_bool(*e, ptr + "/embedded");
    k.embedded = embedded.value_or(false);
    read_bootstrap_servers(*v, embedded, k);

    if (const json* p = member(*v, "topic_prefix"))
      if (auto prefix = read_topic_prefix(*p, ptr + "/topic_prefix")) k.topic_prefix = *prefix;
    if (const json* c = member(*v, "compression"))
      if (auto codec = read_enum<compression_codec>(*c, ptr + "/compression"))
        k.compression = *codec;
    read_int_field(*v, ptr, "topic_partitions", 1, int_max, k.topic_partitions);
    if (const json* r = member(*v, "replication_factor")) {
      const std::string r_ptr = ptr + "/replication_factor";
      constexpr std::string_view expected = "-1 (the broker's default) or an integer >= 1";
      if (!r->is_number_integer()) {
        report_type(r_ptr, expected, *r);
      } else if (const auto n = r->get<std::int64_t>();
                 (r->is_number_unsigned() && r->get<std::uint64_t>() > INT_MAX) ||
                 (n != -1 && (n < 1 || n > int_max))) {
        report(r_ptr, "must be " + std::string(expected) + ", got " + r->dump());
      } else {
        k.replication_factor = static_cast<int>(n);
      }
    }
    if (const json* f = member(*v, "value_format"))
      if (auto format = read_enum<value_format>(*f, ptr + "/value_format"))
        k.format = *format;
    if (const json* r = member(*v, "schema_registry")) {
      k.schema_registry = read_schema_registry(*r, ptr + "/schema_registry");
    } else if (k.format == value_format::confluent_json_schema) {
      report(ptr + "/schema_registry", "required when /kafka/value_format is confluent_json_schema");
    }
    if (const json* t = member(*v, "connect_timestamps"))
      if (auto ts = read_enum<connect_timestamps>(*t, ptr + "/connect_timestamps"))
        k.timestamps = *ts;
    if (const json* n = member(*v, "connect_nested"))
      if (auto nested = read_enum<connect_nested>(*n, ptr + "/connect_nested"))
        k.nested = *nested;
    if (const json* c = member(*v, "compact_record_topics"))
      if (auto b = read_bool(*c, ptr + "/compact_record_topics")) k.compact_record_topics = *b;
    read_int_field(*v, ptr, "record_retention_ms", 1, int64_max, k.record_retention_ms);
    if (const json* p = member(*v, "properties")) k.properties = read_kafka_properties(*p, ptr + "/properties");
    return k;
  }

  // {"url": "http(s)://...", "user_info": {"env"|"file": ...}}
  std::optional<schema_registry_config> read_schema_registry(const json& v, const std::string& ptr) {
    if (!require_object(v, ptr)) return std::nullopt;
    check_known_fields(v, ptr, {"url", "user_info"});
    schema_registry_config out;
    const json* url = member(v, "url");
    if (!url) {
      report(ptr + "/url", "required; expected the registry's http(s) base URL");
      return std::nullopt;
    }
    auto text = read_string(*url, ptr + "/url");
    if (!text) return std::nullopt;
    if (!text->starts_with("http://") && !text->starts_with("https://")) {
      report(ptr + "/url", "expected an http:// or https:// URL");
      return std::nullopt;
    }
    out.url = *text;
    if (const json* u = member(v, "user_info")) {
      if (!u->is_object()) {
        report(ptr + "/user_info", std::string(inline_secret_message));
        return std::nullopt;
      }
      out.user_info = read_secret_ref(*u, ptr + "/user_info");
      if (!out.user_info) return std::nullopt;
    }
    return out;
  }

  void read_bootstrap_servers(const json& kafka, std::optional<bool> embedded,
                              kafka_config& k) {
    const std::string ptr = "/kafka/bootstrap_servers";
    const json* v = member(kafka, "bootstrap_servers");
    std::string_view text;
    std::optional<std::string> owned;
    if (v) {
      owned = read_string(*v, ptr);
      if (!owned) return;
      text = trim(*owned);
    }
    if (!embedded) return;
    if (*embedded) {
      if (!text.empty()) report(ptr, "must be absent or empty when /kafka/embedded is true");
      return;
    }
    if (text.empty()) {
      report(ptr, R"(required unless /kafka/embedded is true; expected "host:port[,host:port...]")");
      return;
    }
    std::size_t index = 0;
    for (std::size_t start = 0; start <= text.size(); ++index) {
      const auto comma = std::min(text.find(',', start), text.size());
      const auto entry = trim(text.substr(start, comma - start));
      start = comma + 1;
      const std::string label = "entry " + std::to_string(index + 1);
      if (entry.empty()) {
        report(ptr, label + R"( is empty; expected "host:port[,host:port...]")");
        continue;
      }
      if (auto checked = check_host_port(entry); !checked) {
        report(ptr, label + " " + quote_value(entry) + ": " + checked.error().message);
        continue;
      }
      if (!k.bootstrap_servers.empty()) k.bootstrap_servers += ',';
      k.bootstrap_servers += entry;
    }
  }

  std::optional<std::string> read_topic_prefix(const json& v, const std::string& ptr) {
    auto text = read_string(v, ptr);
    if (!text) return std::nullopt;
    if (auto checked = check_topic_prefix(*text); !checked) {
      report(ptr, checked.error().message + "; got " + quote_value(*text));
      return std::nullopt;
    }
    return text;
  }

  std::vector<kafka_property> read_kafka_properties(const json& v, const std::string& ptr) {
    std::vector<kafka_property> out;
    if (!v.is_object()) {
      report_type(ptr, "an object of librdkafka properties", v);
      return out;
    }
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& name = it.key();
      const std::string p_ptr = pointer_append(ptr, name);
      if (!is_kafka_property_name(name)) {
        report(p_ptr, "expected a librdkafka property name [A-Za-z0-9._-]+");
        continue;
      }
      const auto owned = std::find_if(std::begin(owned_kafka_properties),
                                      std::end(owned_kafka_properties),
                                      [&](const auto& o) { return o.first == name; });
      if (owned != std::end(owned_kafka_properties)) {
        report(p_ptr, "quarry sets " + name + " itself" + std::string(owned->second));
        continue;
      }
      const bool sensitive =
          std::any_of(std::begin(sensitive_kafka_fragments), std::end(sensitive_kafka_fragments),
                      [&](std::string_view f) { return name.find(f) != std::string::npos; });
      if (auto value = read_property_value(it.value(), p_ptr, sensitive))
        out.push_back({name, std::move(*value)});
    }
    return out;
  }

  // ---- /telemetry, /engine ----------------------------------------------

  telemetry_config read_telemetry(const json& v) {
    telemetry_config t;
    const std::string ptr = "/telemetry";
    if (!require_object(v, ptr)) return t;
    check_known_fields(v, ptr, {"listen", "log_level"});
    if (const json* l = member(v, "listen")) {
      const std::string l_ptr = ptr + "/listen";
      if (auto text = read_string(*l, l_ptr)) {
        if (text->empty()) {
          t.listen.clear();
        } else if (auto checked = check_host_port(*text, true); !checked) {
          report(l_ptr, checked.error().message + "; got " + quote_value(*text) +
                            R"( ("" turns the server off))");
        } else {
          t.listen = *text;
        }
      }
    }
    if (const json* l = member(v, "log_level"))
      if (auto level = read_enum<log_severity>(*l, ptr + "/log_level"))
        t.log_level = *level;
    return t;
  }

  engine_config read_engine(const json& v) {
    engine_config e;
    const std::string ptr = "/engine";
    if (!require_object(v, ptr)) return e;
    check_known_fields(v, ptr, {"workers", "checkpoint_records", "checkpoint_interval_ms",
                                "task_attempts", "request_timeout_ms"});
    read_int_field(v, ptr, "workers", 1, 256, e.workers);
    read_int_field(v, ptr, "checkpoint_records", 1, int64_max, e.checkpoint_records);
    read_int_field(v, ptr, "checkpoint_interval_ms", 1, int64_max, e.checkpoint_interval_ms);
    read_int_field(v, ptr, "task_attempts", 1, int_max, e.task_attempts);
    read_int_field(v, ptr, "request_timeout_ms", 100, int64_max, e.request_timeout_ms);
    return e;
  }

  // ---- /serve -----------------------------------------------------------

  serve_config read_serve(const json* v, const engine_config& engine) {
    serve_config s;
    s.local_workers = engine.workers;
    const std::string ptr = "/serve";
    if (!v || !require_object(*v, ptr)) return s;
    check_known_fields(*v, ptr, {"admin_token", "cluster_listen", "grace_period_s", "heartbeat_ms",
                                 "peer_timeout_ms", "local_workers", "tls"});
    if (const json* t = member(*v, "admin_token"))
      if (auto token = read_property_value(*t, ptr + "/admin_token", true))
        s.admin_token = *token->as_secret();
    if (const json* l = member(*v, "cluster_listen")) {
      const std::string l_ptr = ptr + "/cluster_listen";
      if (auto text = read_string(*l, l_ptr)) {
        if (auto checked = check_host_port(*text, true); !text->empty() && !checked)
          report(l_ptr, checked.error().message + "; got " + quote_value(*text) +
                            R"( ("" or absent: no remote workers))");
        else
          s.cluster_listen = *text;
      }
    }
    read_int_field(*v, ptr, "grace_period_s", 1, 3600, s.grace_period_s);
    read_int_field(*v, ptr, "heartbeat_ms", 100, 60000, s.heartbeat_ms);
    s.peer_timeout_ms = 5 * s.heartbeat_ms;
    if (const json* p = member(*v, "peer_timeout_ms")) {
      const std::string p_ptr = ptr + "/peer_timeout_ms";
      if (auto n = read_int(*p, p_ptr, 200, 600000)) {
        if (*n < 2 * s.heartbeat_ms)
          report(p_ptr, "must be at least twice /serve/heartbeat_ms (" +
                            std::to_string(2 * s.heartbeat_ms) + "), got " + p->dump());
        else
          s.peer_timeout_ms = static_cast<int>(*n);
      }
    }
    read_int_field(*v, ptr, "local_workers", 0, 256, s.local_workers);
    if (const json* t = member(*v, "tls")) s.tls = read_tls(*t, ptr + "/tls");
    return s;
  }

  worker_section read_worker(const json& v) {
    worker_section w;
    const std::string ptr = "/worker";
    if (!require_object(v, ptr)) return w;
    check_known_fields(v, ptr, {"tls"});
    if (const json* t = member(v, "tls")) w.tls = read_tls(*t, ptr + "/tls");
    return w;
  }

  // {"ca": PATH, "cert": PATH, "key": {"file": PATH}}: every file readable
  // now (their PEM contents are checked where TLS starts, runtime/cluster_tls).
  std::optional<tls_config> read_tls(const json& v, const std::string& ptr) {
    if (!require_object(v, ptr)) return std::nullopt;
    check_known_fields(v, ptr, {"ca", "cert", "key"});
    tls_config tls;
    bool ok = true;
    for (auto [name, target] : {std::pair{"ca", &tls.ca}, std::pair{"cert", &tls.cert}}) {
      const std::string f_ptr = pointer_append(ptr, name);
      const json* f = member(v, name);
      if (!f) {
        report(f_ptr, "missing; give the path of a PEM file");
        ok = false;
        continue;
      }
      auto path = read_string(*f, f_ptr);
      if (path && path->empty()) report(f_ptr, "must not be empty");
      if (!path || path->empty()) {
        ok = false;
        continue;
      }
      if (secrets_ == secret_resolution::shape_only) {
        *target = *path;  // not read: it is on the machine the config is for
      } else if (std::FILE* file = std::fopen(path->c_str(), "r")) {
        std::fclose(file);
        *target = *path;
      } else {
        report(f_ptr, "cannot read " + quote_value(*path) + ": " + std::strerror(errno));
        ok = false;
      }
    }
    const std::string k_ptr = ptr + "/key";
    const json* k = member(v, "key");
    if (!k) {
      report(k_ptr, R"(missing; give the private key's file as {"file": PATH})");
      ok = false;
    } else if (!k->is_object() || !member(*k, "file") || member(*k, "env")) {
      report(k_ptr, R"(the private key must be a secret ref {"file": PATH}: an inline key )"
                    R"(would be printed with the config, and CAF reads keys from files)");
      ok = false;
    } else if (read_secret_ref(*k, k_ptr)) {  // readable, not empty, at most 1 MiB
      tls.key_file = member(*k, "file")->get<std::string>();
    } else {
      ok = false;
    }
    if (!ok) return std::nullopt;
    return tls;
  }

  // ---- /accounts -------------------------------------------------------

  std::vector<account_config> read_accounts(const json& v) {
    std::vector<account_config> out;
    if (!v.is_object()) {
      report_type("/accounts", "an object of accounts by name", v);
      return out;
    }
    for (auto it = v.begin(); it != v.end(); ++it)
      out.push_back(read_account(it.key(), it.value(), pointer_append("/accounts", it.key())));
    return out;
  }

  account_config read_account(const std::string& name, const json& v, const std::string& ptr) {
    account_config a;
    a.name = name;
    a.settings = std::make_shared<const json>(json::object());
    if (!is_plain_name(name)) report(ptr, "account names must match [A-Za-z0-9_-]+");
    if (!require_object(v, ptr)) return a;
    check_known_fields(v, ptr, {"source", "endpoint", "credentials", "quota", "settings"});

    name_list known_sources;
    for (const auto& s : sources_) known_sources.push_back(s.name);
    const source_rules* rules = nullptr;
    const std::string s_ptr = ptr + "/source";
    if (const json* s = member(v, "source")) {
      if (auto source = read_string(*s, s_ptr)) {
        rules = find_source(sources_, *source);
        if (rules)
          a.source = *source;
        else
          report(s_ptr, "unknown source " + quote_value(*source) +
                            did_you_mean(*source, known_sources) +
                            "; known sources: " + join(known_sources));
      }
    } else {
      report_missing(s_ptr, "one of " + join(known_sources));
    }

    if (const json* e = member(v, "endpoint")) {
      const std::string e_ptr = ptr + "/endpoint";
      if (auto url = read_string(*e, e_ptr)) {
        // The URL is not echoed: it may carry credentials.
        if (auto checked = check_endpoint(*url); checked.empty())
          a.endpoint = *url;
        else
          report(e_ptr, std::move(checked));
      }
    }
    a.credentials = read_credentials(member(v, "credentials"), ptr + "/credentials", rules);
    if (const json* q = member(v, "quota")) a.quota = read_quota(*q, ptr + "/quota");
    if (const json* s = member(v, "settings")) {
      if (require_object(*s, ptr + "/settings")) {
        check_settings_secrets(*s, ptr + "/settings");
        if (rules) check_declared_settings(*s, ptr + "/settings", *rules);
        a.settings = std::make_shared<const json>(*s);
      }
    }
    return a;
  }

  static bool named_like_secret(std::string_view name) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::any_of(std::begin(sensitive_setting_fragments), std::end(sensitive_setting_fragments),
                       [&](std::string_view f) { return lower.find(f) != std::string::npos; });
  }

  // Each member against the source's declared settings (proto/setting_rule):
  // a name it does not declare, or a value of the wrong type, out of range or
  // not among the choices. (A literal under a secret-like name was reported
  // by check_settings_secrets.)
  void check_declared_settings(const json& v, const std::string& ptr, const source_rules& rules) {
    name_list known;
    for (const auto& r : rules.settings) known.push_back(r.name);
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string m_ptr = pointer_append(ptr, it.key());
      const auto rule = std::find_if(rules.settings.begin(), rules.settings.end(),
                                     [&](const setting_rule& r) { return r.name == it.key(); });
      if (rule == rules.settings.end()) {
        if (named_like_secret(it.key()) && !it.value().is_object()) continue;
        std::string message = "unknown setting " + quote_value(it.key()) + " of source " + rules.name;
        if (auto close = closest_name(it.key(), known))
          message += "; did you mean " + quote_value(*close) + "?";
        else
          message += known.empty() ? std::string("; it reads no settings")
                                   : "; its settings: " + join(known);
        if (it.key() == "streams" || it.key() == "columns" || it.value().is_object())
          message += " (streams and columns are chosen under /jobs/<i>/streams)";
        report(m_ptr, std::move(message));
        continue;
      }
      switch (rule->type) {
        case setting_rule::kind::integer:
          (void)read_int(it.value(), m_ptr, rule->min, rule->max);
          break;
        case setting_rule::kind::text:
          if (auto text = read_string(it.value(), m_ptr); text && !rule->choices.empty() &&
              std::find(rule->choices.begin(), rule->choices.end(), *text) == rule->choices.end()) {
            name_list choices(rule->choices.begin(), rule->choices.end());
            std::string message = "must be one of " + join(choices) + "; got " + quote_value(*text);
            if (auto close = closest_name(*text, choices))
              message += " (did you mean " + quote_value(*close) + "?)";
            report(m_ptr, std::move(message));
          }
          break;
        case setting_rule::kind::time_zone:
          if (auto text = read_string(it.value(), m_ptr); text && !is_time_zone_name(*text))
            report(m_ptr, R"(expected a time zone of the tz database like "America/Chicago" or "UTC"; got )" +
                              quote_value(*text));
          break;
      }
    }
  }

  // "" when `url` is an http(s) base URL without credentials, a query or a
  // fragment; else what is wrong (never the URL: it may hold a secret).
  static std::string check_endpoint(std::string_view url) {
    std::string_view rest = url;
    if (rest.starts_with("http://"))
      rest.remove_prefix(7);
    else if (rest.starts_with("https://"))
      rest.remove_prefix(8);
    else
      return "expected a URL starting with http:// or https://";
    const auto authority = rest.substr(0, rest.find_first_of("/?#"));
    if (authority.find('@') != std::string_view::npos)
      return "must not carry credentials (user:password@); give them under credentials, as "
             R"({"env": NAME} or {"file": PATH} where secret)";
    if (authority.empty()) return "expected a URL starting with http:// or https:// and a host";
    if (rest.find_first_of("?#") != std::string_view::npos)
      return "expected a base URL without a ?query or #fragment (a query may carry a key; "
             "credentials go under credentials)";
    if (std::any_of(rest.begin(), rest.end(),
                    [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == '\x7f'; }))
      return "must not contain whitespace or control characters";
    return {};
  }

  // Settings are stored in plain text (a file, the chart's ConfigMap): a
  // member named like a secret (sensitive_setting_fragments), at any depth,
  // must be a secret ref, resolved like any other, so that a missing one is
  // reported here. No connector reads a secret from settings today:
  // credentials belong under /accounts/<n>/credentials.
  void check_settings_secrets(const json& v, const std::string& ptr) {
    if (v.is_array()) {
      for (std::size_t i = 0; i < v.size(); ++i) check_settings_secrets(v[i], pointer_append(ptr, i));
      return;
    }
    if (!v.is_object()) return;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string m_ptr = pointer_append(ptr, it.key());
      if (!named_like_secret(it.key())) {
        check_settings_secrets(it.value(), m_ptr);
      } else if (!it.value().is_object()) {
        report(m_ptr, "is named like a secret, so it must be a secret ref {\"env\": NAME} or "
                      "{\"file\": PATH}, not " + std::string(kind_of(it.value())) +
                          " (settings are stored in plain text; credentials go under "
                          "credentials)");
      } else {
        (void)read_secret_ref(it.value(), m_ptr);
      }
    }
  }

  static std::string did_you_mean(std::string_view given, const name_list& known) {
    if (auto close = closest_name(given, known)) return "; did you mean " + quote_value(*close) + "?";
    return {};
  }

  // With `rules` null (the source is unknown) values are checked for shape
  // and secrets resolved, but fields are not.
  std::map<std::string, property_value, std::less<>> read_credentials(
      const json* v, const std::string& ptr, const source_rules* rules) {
    std::map<std::string, property_value, std::less<>> out;
    if (v && !v->is_object()) {
      report_type(ptr, "an object of credential fields", *v);
      return out;
    }
    name_list field_names;
    if (rules)
      for (const auto& f : rules->credentials) field_names.push_back(f.name);
    if (v) {
      for (auto it = v->begin(); it != v->end(); ++it) {
        const std::string f_ptr = pointer_append(ptr, it.key());
        const credential_rule* field = nullptr;
        if (rules) {
          const auto found = std::find_if(rules->credentials.begin(), rules->credentials.end(),
                                          [&](const auto& f) { return f.name == it.key(); });
          if (found == rules->credentials.end()) {
            report(f_ptr, unknown_name_message("credential", it.key(), field_names) +
                              " (source " + rules->name + ")");
            continue;
          }
          field = &*found;
        }
        auto value = read_property_value(it.value(), f_ptr, field && field->secret);
        if (!value) continue;
        if (field && field->rotates &&
            (!value->is_secret() || value->as_secret()->origin().rfind("file:", 0) != 0)) {
          report(f_ptr, "must be given as {\"file\": PATH}: source " + rules->name +
                            " replaces it on every refresh and quarry writes the new value back");
          continue;
        }
        if (!value->is_secret() && value->reveal().empty()) {
          report(f_ptr, "must not be empty");
          continue;
        }
        out.emplace(it.key(), std::move(*value));
      }
    }
    if (rules) {
      for (const auto& f : rules->credentials) {
        if (!f.required || (v && v->contains(f.name))) continue;
        report(pointer_append(ptr, f.name),
               "missing required credential of source " + rules->name +
                   (f.secret ? R"(; give it as {"env": NAME} or {"file": PATH})" : ""));
      }
    }
    return out;
  }

  quota_config read_quota(const json& v, const std::string& ptr) {
    quota_config q;
    if (!require_object(v, ptr)) return q;
    check_known_fields(v, ptr, {"daily_calls", "daily_reset", "time_zone", "windows",
                                "concurrency", "daily_bytes"});
    read_int_field(v, ptr, "daily_calls", 1, int64_max, q.daily_calls);
    if (const json* r = member(v, "daily_reset")) {
      const std::string r_ptr = ptr + "/daily_reset";
      if (auto text = read_string(*r, r_ptr)) {
        if (auto minute = parse_clock_time(*text))
          q.daily_reset_minute = *minute;
        else
          report(r_ptr, minute.error().message + "; got " + quote_value(*text));
      }
    }
    if (const json* z = member(v, "time_zone")) {
      const std::string z_ptr = ptr + "/time_zone";
      if (auto text = read_string(*z, z_ptr)) {
        if (is_time_zone_name(*text))
          q.time_zone = *text;
        else
          report(z_ptr, R"(expected a time zone of the tz database like "America/Chicago" or "UTC"; got )" +
                            quote_value(*text));
      }
    }
    if (const json* w = member(v, "windows")) q.windows = read_windows(*w, ptr + "/windows");
    read_int_field(v, ptr, "concurrency", 1, int_max, q.concurrency);
    read_int_field(v, ptr, "daily_bytes", 1, int64_max, q.daily_bytes);
    return q;
  }

  std::vector<quota_window> read_windows(const json& v, const std::string& ptr) {
    std::vector<quota_window> out;
    if (!v.is_array()) {
      report_type(ptr, R"(an array of {"calls": N, "seconds": S})", v);
      return out;
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string w_ptr = pointer_append(ptr, i);
      if (!require_object(v[i], w_ptr)) continue;
      check_known_fields(v[i], w_ptr, {"calls", "seconds"});
      quota_window w;
      bool ok = true;
      for (auto [key, out_field] : {std::pair{"calls", &w.calls}, std::pair{"seconds", &w.seconds}}) {
        const std::string f_ptr = pointer_append(w_ptr, key);
        const json* f = member(v[i], key);
        if (!f) {
          report_missing(f_ptr, int_range_text(1, int64_max));
          ok = false;
        } else if (auto n = read_int(*f, f_ptr, 1, int64_max)) {
          *out_field = *n;
        } else {
          ok = false;
        }
      }
      if (ok) out.push_back(w);
    }
    return out;
  }

  // ---- /jobs -----------------------------------------------------------

  // Each job's /streams against its source's streams (source_rules::streams,
  // stream_families): a name or glob that matches no stream, and a column
  // no matched stream has, are issues. Columns only the API knows (Marketo's
  // leads, activity streams) are checked when the run plans.
  void check_selections(const json& jobs, const quarry_config& cfg) {
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const json& job = jobs[i];
      const json* streams = job.is_object() ? member(job, "streams") : nullptr;
      const json* account_name = job.is_object() ? member(job, "account") : nullptr;
      if (!streams || !account_name || !account_name->is_string()) continue;
      const account_config* account = cfg.find_account(account_name->get<std::string>());
      const source_rules* rules = account ? find_source(sources_, account->source) : nullptr;
      if (!rules || (rules->streams.empty() && rules->stream_families.empty())) continue;
      const std::string ptr = pointer_append(pointer_append("/jobs", i), "streams");
      if (streams->is_array()) {
        for (std::size_t k = 0; k < streams->size(); ++k)
          if ((*streams)[k].is_string())
            check_selection((*streams)[k].get<std::string>(), nullptr, pointer_append(ptr, k), *rules);
      } else if (streams->is_object()) {
        for (auto it = streams->begin(); it != streams->end(); ++it)
          check_selection(it.key(), it.value().is_object() ? member(it.value(), "columns") : nullptr,
                          pointer_append(ptr, it.key()), *rules);
      }
    }
  }

  void check_selection(const std::string& pattern, const json* columns, const std::string& ptr,
                       const source_rules& rules) {
    const auto matches = [](const std::string& glob, const std::string& name) {
      return fnmatch(glob.c_str(), name.c_str(), 0) == 0;
    };
    std::vector<const stream_rule*> matched;
    for (const auto& s : rules.streams)
      if (matches(pattern, s.name)) matched.push_back(&s);
    const bool family = std::any_of(rules.stream_families.begin(), rules.stream_families.end(),
                                    [&](const std::string& f) {
                                      return matches(f, pattern) || matches(pattern, f);
                                    });
    if (matched.empty() && !family) {
      name_list names;
      for (const auto& s : rules.streams) names.push_back(s.name);
      for (const auto& f : rules.stream_families) names.push_back(f);
      std::string message = (pattern.find_first_of("*?[") == std::string::npos ? "no stream "
                                                                                : "no stream matches ") +
                            quote_value(pattern) + " in source " + rules.name;
      if (auto close = closest_name(pattern, names))
        message += "; did you mean " + quote_value(*close) + "?";
      else
        message += "; its streams: " + join(names);
      report(ptr, std::move(message));
      return;
    }
    if (!columns || !columns->is_array() || family) return;
    std::set<std::string, std::less<>> known;
    for (const auto* s : matched) {
      if (!s->columns_known) return;  // checked when the run plans
      known.insert(s->columns.begin(), s->columns.end());
    }
    const name_list names(known.begin(), known.end());
    for (std::size_t j = 0; j < columns->size(); ++j) {
      const json& c = (*columns)[j];
      if (!c.is_string() || known.count(c.get<std::string>()) != 0) continue;
      std::string message = "no column " + quote_value(c.get<std::string>()) + " in stream " +
                            (matched.size() == 1 ? matched.front()->name : "any stream " + quote_value(pattern) + " matches");
      if (auto close = closest_name(c.get<std::string>(), names))
        message += "; did you mean " + quote_value(*close) + "?";
      report(pointer_append(pointer_append(ptr, "columns"), j), std::move(message));
    }
  }

  std::vector<job_config> read_jobs(const json& v, const json* accounts) {
    std::vector<job_config> out;
    if (!v.is_array()) {
      report_type("/jobs", "an array of jobs", v);
      return out;
    }
    // Accounts are matched by name as written, even if they are invalid
    // themselves: their own issues are reported at /accounts.
    name_list account_names;
    if (accounts && accounts->is_object())
      for (auto it = accounts->begin(); it != accounts->end(); ++it)
        account_names.push_back(it.key());
    std::map<std::string, std::string, std::less<>> name_pointers;
    for (std::size_t i = 0; i < v.size(); ++i)
      out.push_back(read_job(v[i], pointer_append("/jobs", i), account_names, name_pointers));
    return out;
  }

  job_config read_job(const json& v, const std::string& ptr, const name_list& account_names,
                      std::map<std::string, std::string, std::less<>>& name_pointers) {
    job_config j;
    if (!require_object(v, ptr)) return j;
    check_known_fields(v, ptr, {"name", "account", "start_date", "streams", "topic_prefix", "schedule"});

    const std::string n_ptr = ptr + "/name";
    if (const json* n = member(v, "name")) {
      if (auto name = read_string(*n, n_ptr)) {
        if (!is_plain_name(*name)) {
          report(n_ptr, "job names must match [A-Za-z0-9_-]+; got " + quote_value(*name));
        } else if (auto [it, fresh] = name_pointers.emplace(*name, n_ptr); !fresh) {
          report(n_ptr, "duplicate job name " + quote_value(*name) + "; " + it->second + " has it too");
        } else {
          j.name = *name;
        }
      }
    } else {
      report_missing(n_ptr, "a job name [A-Za-z0-9_-]+");
    }

    const std::string a_ptr = ptr + "/account";
    if (const json* a = member(v, "account")) {
      if (auto account = read_string(*a, a_ptr)) {
        if (std::find(account_names.begin(), account_names.end(), *account) != account_names.end())
          j.account = *account;
        else if (account_names.empty())
          report(a_ptr, "no account named " + quote_value(*account) + "; /accounts defines none");
        else
          report(a_ptr, "no account named " + quote_value(*account) + did_you_mean(*account, account_names) +
                            "; accounts: " + join(account_names));
      }
    } else {
      report_missing(a_ptr, "the name of an account under /accounts");
    }

    const std::string d_ptr = ptr + "/start_date";
    if (const json* d = member(v, "start_date")) {
      if (auto text = read_string(*d, d_ptr)) {
        if (auto when = parse_utc_timestamp(*text))
          j.start_date = *when;
        else
          report(d_ptr, when.error().message + "; got " + quote_value(*text));
      }
    } else {
      report_missing(d_ptr, "an RFC 3339 UTC timestamp like 2024-01-01T00:00:00Z");
    }

    if (const json* s = member(v, "streams")) j.streams = read_streams(*s, ptr + "/streams");
    if (const json* p = member(v, "topic_prefix")) j.topic_prefix = read_topic_prefix(*p, ptr + "/topic_prefix");
    if (const json* s = member(v, "schedule")) j.schedule = read_schedule(*s, ptr + "/schedule");
    return j;
  }

  // {"every": "1h", "anchor": "02:30", "time_zone": ...} or {"cron": "0 2 * * *", "time_zone": ...};
  // nullptr after reporting what is wrong.
  std::shared_ptr<const scheduling::schedule> read_schedule(const json& v, const std::string& ptr) {
    if (!require_object(v, ptr)) return nullptr;
    check_known_fields(v, ptr, {"every", "anchor", "cron", "time_zone"});
    const json* every = member(v, "every");
    const json* cron = member(v, "cron");
    const json* anchor = member(v, "anchor");
    auto where = read_schedule_zone(v, ptr + "/time_zone");
    if (every && cron) {
      report(ptr, R"(give exactly one of "every" or "cron")");
      return nullptr;
    }
    if (!every && !cron) {
      report(ptr, R"(missing "every" or "cron"; e.g. {"every": "1h", "anchor": "02:30"} or {"cron": "0 2 * * *"})");
      return nullptr;
    }
    if (cron) {
      if (anchor)
        report(ptr + "/anchor", R"(only "every" schedules take an anchor; a cron expression names its own times)");
      const std::string c_ptr = ptr + "/cron";
      const auto text = read_string(*cron, c_ptr);
      if (!text) return nullptr;
      auto parsed = scheduling::cron_expression::parse(*text);
      if (!parsed) report(c_ptr, parsed.error().message);
      if (!parsed || !where || anchor) return nullptr;
      return std::make_shared<const scheduling::schedule>(
          scheduling::schedule::cron(std::move(parsed).value(), std::move(*where)));
    }

    const std::string e_ptr = ptr + "/every";
    std::optional<std::chrono::seconds> interval;
    if (every->is_number_integer()) {
      if (auto n = read_int(*every, e_ptr, 1, scheduling::max_interval.count())) interval = std::chrono::seconds{*n};
    } else if (auto text = read_string(*every, e_ptr)) {
      auto parsed = scheduling::parse_interval(*text);
      if (parsed)
        interval = *parsed;
      else
        report(e_ptr, parsed.error().message + "; got " + quote_value(*text));
    }
    std::optional<scheduling::local_anchor> start = scheduling::local_anchor{};
    const std::string a_ptr = ptr + "/anchor";
    if (anchor) {
      start.reset();
      if (auto text = read_string(*anchor, a_ptr)) {
        auto parsed = scheduling::parse_anchor(*text);
        if (parsed)
          start = *parsed;
        else
          report(a_ptr, parsed.error().message + "; got " + quote_value(*text));
      }
    }
    if (!interval || !start || !where) return nullptr;
    auto made = scheduling::schedule::every(*interval, *start, std::move(*where));
    if (!made) {
      report(anchor ? a_ptr : e_ptr, made.error().message);
      return nullptr;
    }
    return std::make_shared<const scheduling::schedule>(std::move(made).value());
  }

  // /jobs/<i>/schedule/time_zone: a zone that exists; "UTC" when absent.
  std::optional<scheduling::zone> read_schedule_zone(const json& schedule, const std::string& ptr) {
    std::string name = "UTC";
    if (const json* z = member(schedule, "time_zone")) {
      auto text = read_string(*z, ptr);
      if (!text) return std::nullopt;
      name = *text;
    }
    auto located = scheduling::zone::locate(name);
    if (located) return std::move(located).value();
    const auto known = scheduling::zone_names();
    if (auto close = closest_name(name, known))
      report(ptr, "unknown time zone " + quote_value(name) + "; did you mean " + quote_value(*close) + "?");
    else
      report(ptr, located.error().message);
    return std::nullopt;
  }

  std::optional<std::vector<stream_selection>> read_streams(const json& v, const std::string& ptr) {
    constexpr std::string_view bad_pattern =
        "expected a stream name or glob: non-empty, without whitespace";
    std::vector<stream_selection> out;
    if (!v.is_array() && !v.is_object()) {
      report_type(ptr, "a list of stream names or an object of stream selections", v);
      return std::nullopt;
    }
    if (v.empty()) {
      report(ptr, "must name at least one stream; omit streams to select all");
      return std::nullopt;
    }
    if (v.is_array()) {
      std::set<std::string, std::less<>> seen;
      for (std::size_t i = 0; i < v.size(); ++i) {
        const std::string e_ptr = pointer_append(ptr, i);
        auto pattern = read_string(v[i], e_ptr);
        if (!pattern) continue;
        if (!is_stream_pattern(*pattern))
          report(e_ptr, std::string(bad_pattern));
        else if (!seen.insert(*pattern).second)
          report(e_ptr, "duplicate stream " + quote_value(*pattern));
        else
          out.push_back({*pattern, true, {}});
      }
      return out;
    }
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string e_ptr = pointer_append(ptr, it.key());
      if (!is_stream_pattern(it.key())) {
        report(e_ptr, std::string(bad_pattern));
        continue;
      }
      if (!require_object(it.value(), e_ptr)) continue;
      check_known_fields(it.value(), e_ptr, {"selected", "columns"});
      stream_selection s{it.key(), true, {}};
      if (const json* sel = member(it.value(), "selected"))
        if (auto b = read_bool(*sel, pointer_append(e_ptr, "selected"))) s.selected = *b;
      if (const json* c = member(it.value(), "columns")) s.columns = read_columns(*c, pointer_append(e_ptr, "columns"));
      out.push_back(std::move(s));
    }
    return out;
  }

  std::vector<std::string> read_columns(const json& v, const std::string& ptr) {
    std::vector<std::string> out;
    if (!v.is_array()) {
      report_type(ptr, "an array of column names", v);
      return out;
    }
    if (v.empty()) {
      report(ptr, "must name at least one column; omit columns to select all");
      return out;
    }
    std::set<std::string, std::less<>> seen;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string c_ptr = pointer_append(ptr, i);
      auto column = read_string(v[i], c_ptr);
      if (!column) continue;
      if (column->empty())
        report(c_ptr, "must not be empty");
      else if (!seen.insert(*column).second)
        report(c_ptr, "duplicate column " + quote_value(*column));
      else
        out.push_back(*column);
    }
    return out;
  }

  const std::vector<source_rules>& sources_;
  secret_resolution secrets_;
  std::vector<config_issue>& issues_;
};

} // namespace

quarry_config validate_document(const nlohmann::json& document,
                                const std::vector<source_rules>& sources,
                                secret_resolution secrets,
                                std::vector<config_issue>& issues) {
  return validator(sources, secrets, issues).run(document);
}

} // namespace quarry::config
