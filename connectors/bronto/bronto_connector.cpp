#include "connectors/bronto/bronto_connector.hpp"

#include "connectors/bronto/bronto_streams.hpp"
#include "connectors/core/md5.hpp"
#include "connectors/core/soap.hpp"
#include "connectors/core/timestamp.hpp"

#include <algorithm>

namespace quarry::connectors {

namespace {

using nlohmann::json;
using bronto::stream_spec;

constexpr std::string_view api_ns = "http://api.bronto.com/v4";
constexpr std::int64_t hour_ms = 3'600'000;
constexpr std::int64_t day_ms = 24 * hour_ms;
constexpr std::int64_t horizon_ms = 30 * day_ms;
constexpr int activity_page = 5000;
constexpr int max_relogins = 3;

// The ApiException code of a fault: detail/errorCode, else the faultstring's
// "CODE:" prefix (how both Bronto SDKs read it).
std::string fault_code(const soap::fault& f) {
  if (!f.detail.empty()) return f.detail;
  const auto colon = f.message.find(':');
  return colon == std::string::npos ? std::string{} : f.message.substr(0, colon);
}

// 103 and 116 go back to the caller; 101/108/113 are worth a retry; 102
// names no token; everything else fails the task.
soap::fault_reader read_fault(const std::string& what) {
  return [what](const soap::fault& f) -> std::optional<quarry::error> {
    const auto code = fault_code(f);
    if (code == "103" || code == "116") return std::nullopt;
    if (code == "101" || code == "108" || code == "113")
      return make_error(error_kind::retriable, what + ": " + soap::describe(f));
    if (code == "102") return make_error(error_kind::fatal, what + ": authentication failed (fault 102): check api_token");
    return make_error(error_kind::fatal, what + ": " + soap::describe(f));
  };
}

std::string time_text(std::int64_t ms) { return format_rfc3339_ms(ms); }

// A bookmark's instant: ours ({"<field>": t}) or tap-bronto's ({"field", "last_record"}).
std::optional<std::int64_t> bookmark_time(const json& b, const std::string& field) {
  if (!b.is_object()) return std::nullopt;
  if (b.contains(field) && b[field].is_string()) return parse_rfc3339_ms(b[field].get<std::string>());
  if (b.contains("last_record") && b["last_record"].is_string()) return parse_rfc3339_ms(b["last_record"].get<std::string>());
  return std::nullopt;
}

std::int64_t setting_int(const session& s, const char* name, std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
  const auto& st = s.job().settings;
  if (st.is_object() && st.contains(name) && st[name].is_number_integer())
    return std::clamp(st[name].get<std::int64_t>(), lo, hi);
  return fallback;
}

// One task's conversation with the API: its session id, re-login on 103.
class api {
 public:
  explicit api(session& s) : s_(s), url_(s.job().endpoint.empty() ? "https://api.bronto.com/v4" : s.job().endpoint) {}

  status login() {
    soap::envelope e{{"v4", api_ns}};
    e.body().open("v4:login").leaf("apiToken", s_.job().credential("api_token"));
    auto ans = send("bronto login", e.str());
    if (!ans) return std::move(ans).error();
    if (ans->fault) return make_error(error_kind::fatal, "bronto login: " + soap::describe(*ans->fault));
    session_id_ = soap::child_text(ans->payload, "return");
    if (session_id_.empty()) return make_error(error_kind::bad_payload, "bronto login: no session id in the answer");
    return {};
  }

  // Calls `operation` with the body `fill` writes. A 103 logs in again, runs
  // `after_relogin` (if any) and repeats the request. A 116 comes back as an
  // answer with its fault.
  result<soap::answer> call(const std::string& operation, const std::function<void(soap::envelope&)>& fill,
                            const std::function<status()>& after_relogin = {}) {
    if (session_id_.empty())
      if (auto st = login(); !st) return st.error();
    for (int attempt = 0;; ++attempt) {
      soap::envelope e{{"v4", api_ns}};
      e.header().open("v4:sessionHeader").leaf("sessionId", session_id_).close();
      e.body().open("v4:" + operation);
      fill(e);
      auto ans = send("bronto " + operation, e.str());
      if (!ans || !ans->fault || fault_code(*ans->fault) != "103") return ans;
      if (attempt == max_relogins)
        return make_error(error_kind::auth_expired, "bronto " + operation + ": session invalid after " +
                                                        std::to_string(max_relogins) + " logins");
      if (auto st = login(); !st) return st.error();
      if (after_relogin)
        if (auto st = after_relogin(); !st) return st.error();
    }
  }

 private:
  result<soap::answer> send(const std::string& what, std::string envelope) {
    auto res = s_.call(soap::request(url_, what, std::move(envelope)), soap::classifier(what, read_fault(what)));
    if (!res) return std::move(res).error();
    return soap::parse(what, res->body);
  }

  session& s_;
  std::string url_;
  std::string session_id_;
};

// Emits the records of one answer as JSON text.
class emitter {
 public:
  emitter(session& s, const stream_spec& spec)
      : s_(s), spec_(spec), writer_(spec.columns), fields_(spec.fields_for(s.job().selection.columns_of(spec.name))) {}

  result<std::int64_t> emit_all(const soap::answer& ans) {
    std::int64_t n = 0;
    for (auto r : soap::children(ans.payload, "return")) {
      if (auto st = emit(r); !st) return st.error();
      ++n;
    }
    return n;
  }

 private:
  status emit(pugi::xml_node r) {
    record_.assign("{");
    key_.assign("{");
    if (!spec_.derived.empty()) {
      // tap-bronto's id, and the md5 of the whole event.
      std::string tap, event;
      for (const char* name : {"createdDate", "activityType", "contactId", "listId", "segmentId", "keywordId", "messageId"}) {
        const auto v = soap::child_text(r, name);
        if (v.empty()) continue;
        if (!tap.empty()) tap += '|';
        tap += v;
      }
      for (auto c = r.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element) continue;
        event += soap::local_name(c);
        event += '=';
        event += c.text().get();
        event += '\n';
      }
      const auto id = hash::md5_hex(tap), event_id = hash::md5_hex(event);
      record_ += R"("id":")" + id + R"(","event_id":")" + event_id + R"(",)";
      key_ += R"("id":")" + id + R"(","event_id":")" + event_id + R"("})";
    } else {
      for (const auto& k : spec_.primary_key) {
        const auto v = soap::child(r, k);
        if (!v) return make_error(error_kind::bad_payload, "bronto " + spec_.operation + ": a record without " + k);
        key_ += json_text::key(k);
        const auto col = std::find_if(spec_.columns.begin(), spec_.columns.end(), [&](const auto& c) { return c.name == k; });
        json_text::append_typed(key_, v.text().get(), col == spec_.columns.end() ? json_text::kind::string : col->kind);
        key_ += ',';
      }
      soap::close_object(key_);
    }
    writer_.append_fields(record_, r, &fields_);
    soap::close_object(record_);
    return s_.emit_serialized(spec_.name, key_, record_);
  }

  session& s_;
  const stream_spec& spec_;
  soap::record_writer writer_;
  std::vector<std::string> fields_;
  std::string record_, key_;
};

class bronto_connector final : public connector {
 public:
  explicit bronto_connector(bronto_options options) : options_(std::move(options)) {
    if (!options_.now) options_.now = [] { return std::chrono::system_clock::now(); };
  }

  std::string_view source() const override { return "bronto"; }

  std::vector<credential_spec> credentials() const override { return {{"api_token", true, true}}; }

  quota_defaults default_quota() const override {
    quota_defaults q;  // Bronto documents no limit: stay polite
    q.concurrency = 4;
    q.windows = {{50, 1}};
    return q;
  }

  result<std::vector<stream_descriptor>> discover(session&) override {
    std::vector<stream_descriptor> out;
    for (const auto& s : bronto::streams()) out.push_back(s.descriptor());
    return out;
  }

  status run(const task_spec& task, session& s) override {
    const auto* spec = bronto::find_stream(task.stream);
    if (!spec) return make_error(error_kind::fatal, "bronto: unknown stream " + task.stream);
    api a(s);
    emitter out(s, *spec);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(options_.now().time_since_epoch()).count() * 1000;
    const auto start = parse_rfc3339_ms(s.job().start_date).value_or(now - horizon_ms);
    if (spec->name == "list") return run_lists(a, out, s);
    auto from = bookmark_time(task.bookmark, spec->replication_key).value_or(start);
    if (spec->name == "contact" || spec->name == "unsubscribe") {
      std::vector<std::string> field_ids;
      if (spec->name == "contact") {
        auto ids = custom_field_ids(a);
        if (!ids) return std::move(ids).error();
        field_ids = std::move(*ids);
      }
      const auto width = setting_int(s, "window_days", 7, 1, 366) * day_ms;
      for (auto a_ms = from; a_ms < now && !s.cancelled(); a_ms = std::min(a_ms + width, now)) {
        const auto b_ms = std::min(a_ms + width, now);
        if (auto st = run_paged_window(a, out, *spec, field_ids, a_ms, b_ms); !st) return st;
        if (auto st = s.checkpoint({{spec->replication_key, time_text(b_ms)}}); !st) return st;
      }
      return {};
    }
    if (from < now - horizon_ms) {
      s.warn(spec->name + ": Bronto keeps 30 days of recent activities; starting at " + time_text(now - horizon_ms) +
             " instead of " + time_text(from));
      from = now - horizon_ms;
    }
    const auto width = setting_int(s, "activity_window_hours", 24, 1, 720) * hour_ms;
    for (auto a_ms = from; a_ms < now && !s.cancelled(); a_ms = std::min(a_ms + width, now)) {
      const auto b_ms = std::min(a_ms + width, now);
      if (auto st = run_activity_window(a, out, *spec, a_ms, b_ms); !st) return st;
      if (auto st = s.checkpoint({{spec->replication_key, time_text(b_ms)}}); !st) return st;
    }
    return {};
  }

 private:
  static status run_lists(api& a, emitter& out, session& s) {
    for (int page = 1;; ++page) {
      auto ans = a.call("readLists", [&](soap::envelope& e) {
        e.open("filter").close().leaf("pageNumber", std::to_string(page)).leaf("pageSize", "5000");
      });
      if (!ans) return std::move(ans).error();
      auto n = out.emit_all(*ans);
      if (!n) return std::move(n).error();
      if (*n == 0) break;
    }
    return s.checkpoint({{"full_table_completed", true}});
  }

  // The ids of the account's custom contact fields (readFields), so that
  // readContacts returns their values.
  static result<std::vector<std::string>> custom_field_ids(api& a) {
    std::vector<std::string> ids;
    for (int page = 1;; ++page) {
      auto ans = a.call("readFields", [&](soap::envelope& e) {
        e.open("filter").close().leaf("pageNumber", std::to_string(page));
      });
      if (!ans) return std::move(ans).error();
      if (ans->fault) return make_error(error_kind::fatal, "bronto readFields: " + soap::describe(*ans->fault));
      const auto before = ids.size();
      for (auto f : soap::children(ans->payload, "return")) ids.emplace_back(soap::child_text(f, "id"));
      if (ids.size() == before) return ids;
    }
  }

  // readContacts / readUnsubscribes over [a, b), pageNumber 1.. until empty.
  static status run_paged_window(api& a, emitter& out, const stream_spec& spec,
                                 const std::vector<std::string>& field_ids, std::int64_t a_ms, std::int64_t b_ms) {
    const bool contacts = spec.name == "contact";
    for (int page = 1;; ++page) {
      auto ans = a.call(spec.operation, [&](soap::envelope& e) {
        e.open("filter");
        if (contacts) {
          e.leaf("type", "AND");
          e.open("modified").leaf("value", time_text(a_ms)).leaf("operator", "GreaterThanEqualTo").close();
          e.open("modified").leaf("value", time_text(b_ms)).leaf("operator", "LessThan").close();
        } else {
          e.leaf("start", time_text(a_ms)).leaf("end", time_text(b_ms));
        }
        e.close();
        if (contacts) {
          e.leaf("includeLists", "true");
          for (const auto& id : field_ids) e.leaf("fields", id);
        }
        e.leaf("pageNumber", std::to_string(page));
        if (contacts)
          for (const char* f : {"includeSMSKeywords", "includeGeoIPData", "includeTechnologyData", "includeRFMData",
                                "includeEngagementData", "includeSegments"})
            e.leaf(f, "true");
      });
      if (!ans) return std::move(ans).error();
      if (ans->fault) return make_error(error_kind::fatal, "bronto " + spec.operation + ": " + soap::describe(*ans->fault));
      auto n = out.emit_all(*ans);
      if (!n) return std::move(n).error();
      if (*n == 0) return {};
    }
  }

  // One FIRST/NEXT read of [a, b). NEXT continues the session's FIRST, so
  // after a re-login the pages already read are read again and dropped.
  static status run_activity_window(api& a, emitter& out, const stream_spec& spec, std::int64_t a_ms,
                                    std::int64_t b_ms) {
    auto request = [&](const char* direction) {
      return [&, direction](soap::envelope& e) {
        e.open("filter")
            .leaf("start", time_text(a_ms))
            .leaf("end", time_text(b_ms))
            .leaf("size", std::to_string(activity_page))
            .leaf("readDirection", direction)
            .close();
      };
    };
    // Page k of the read (0: FIRST). After a re-login, pages 0..k-1 are read
    // again on the new session (and dropped) before page k is asked for; a
    // 103 during that replay replays again, on the newest session.
    std::function<result<soap::answer>(int)> read_page = [&](int k) {
      return a.call(spec.operation, request(k == 0 ? "FIRST" : "NEXT"), [&, k]() -> status {
        for (int j = 0; j < k; ++j) {
          auto ans = read_page(j);
          if (!ans) return std::move(ans).error();
          if (ans->fault)
            return make_error(error_kind::retriable, "bronto " + spec.operation + ": replaying page " +
                                                         std::to_string(j + 1) + ": " + soap::describe(*ans->fault));
        }
        return {};
      });
    };
    for (int pages_read = 0;; ++pages_read) {
      auto ans = read_page(pages_read);
      if (!ans) return std::move(ans).error();
      if (ans->fault) {
        if (fault_code(*ans->fault) == "116") return {};  // end of results
        return make_error(error_kind::fatal, "bronto " + spec.operation + ": " + soap::describe(*ans->fault));
      }
      auto n = out.emit_all(*ans);
      if (!n) return std::move(n).error();
      if (*n == 0) return {};
    }
  }

  bronto_options options_;
};

} // namespace

std::unique_ptr<connector> make_bronto_connector(bronto_options options) {
  return std::make_unique<bronto_connector>(std::move(options));
}

} // namespace quarry::connectors
