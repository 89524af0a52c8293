#include "connectors/synthetic/synthetic_connector.hpp"

#include "connectors/core/paginator.hpp"

#include <cctype>

namespace quarry::connectors {
namespace {

using nlohmann::json;
using http::url_encode;

json string_schema() { return {{"type", {"string", "null"}}}; }

stream_descriptor accounts_stream() {
  return {"accounts", {"id"}, replication_method::incremental, "updated_at",
          {{"type", "object"},
           {"properties",
            {{"id", {{"type", "string"}}},
             {"name", string_schema()},
             {"tier", string_schema()},
             {"updated_at", {{"type", "string"}, {"format", "date-time"}}}}}}};
}

stream_descriptor events_stream() {
  return {"events", {"id"}, replication_method::incremental, "occurred_at",
          {{"type", "object"},
           {"properties",
            {{"id", {{"type", "string"}}},
             {"account_id", {{"type", "string"}}},
             {"type", string_schema()},
             {"value", {{"type", {"integer", "null"}}}},
             {"occurred_at", {{"type", "string"}, {"format", "date-time"}}}}}}};
}

stream_descriptor users_stream() {
  return {"users", {"id"}, replication_method::full_table, "",
          {{"type", "object"},
           {"properties",
            {{"id", {{"type", "string"}}},
             {"email", string_schema()},
             {"role", string_schema()}}}}};
}

// The API's answer as JSON, or a bad_payload error naming the request.
result<json> parse_body(const http::request& req, const http::response& res) {
  auto body = json::parse(res.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("data") ||
      !body["data"].is_array())
    return make_error(error_kind::bad_payload,
                      req.describe + ": expected a JSON object with a data array, got \"" +
                          res.body.substr(0, 80) + "\"");
  return body;
}

class synthetic_connector final : public connector {
 public:
  std::string_view source() const override { return "synthetic"; }

  std::vector<credential_rule> credentials() const override { return {{"api_key", true, true}}; }

  std::vector<setting_rule> settings() const override { return {}; }
  quota_defaults default_quota() const override { return {}; }

  offline_catalog catalog() const override {
    return {{accounts_stream(), events_stream(), users_stream()}, {}, {}};
  }

  result<std::vector<task_spec>> plan(session& s, const bookmark_map& bookmarks) override {
    // Other apps share the account's budget: start from the server's count.
    const auto usage_req = get(s, "/v1/usage", "");
    auto usage = s.call(usage_req);
    if (!usage) return std::move(usage).error();
    const auto body = json::parse(usage->body, nullptr, false);
    if (!body.is_object() || !body.contains("calls_today") || !body["calls_today"].is_number_integer())
      return make_error(error_kind::bad_payload,
                        usage_req.describe + ": expected {\"calls_today\": N}, got \"" +
                            usage->body.substr(0, 80) + "\"");
    s.report_usage(body["calls_today"].get<std::int64_t>());
    std::vector<task_spec> tasks;
    const auto& sel = s.job().selection;
    for (const auto& stream : {accounts_stream(), events_stream(), users_stream()})
      if (sel.selected(stream.name)) s.declare(stream);
    // events are only reachable through their parents
    if (sel.selected("accounts") || sel.selected("events")) {
      task_spec t;
      t.stream = "accounts";
      if (auto it = bookmarks.find({"accounts", ""}); it != bookmarks.end()) t.bookmark = it->second;
      if (sel.selected("events")) t.emits = {"events"};
      tasks.push_back(std::move(t));
    }
    if (sel.selected("users")) {
      task_spec t;
      t.stream = "users";
      tasks.push_back(std::move(t));
    }
    return tasks;
  }

  status run(const task_spec& task, session& s) override {
    if (task.stream == "accounts") return run_accounts(task, s);
    if (task.stream == "events") return run_events(task, s);
    if (task.stream == "users") return run_users(s);
    return make_error(error_kind::fatal, "synthetic: unknown stream " + task.stream);
  }

 private:
  http::request get(session& s, const std::string& path, const std::string& query) {
    http::request req;
    req.url = s.job().endpoint + path + (query.empty() ? "" : "?" + query);
    req.describe = "GET " + path;
    req.headers = {{"Authorization", "Bearer " + s.job().credential("api_key")}};
    return req;
  }

  // Pages through a token-paged list, emitting each record and
  // checkpointing the replication key of the last one after each page.
  status page_incremental(session& s, const std::string& stream, const std::string& path,
                          const std::string& since_param, const std::string& key,
                          std::string since, const std::function<void(const json&)>& each) {
    auto pages = paginator::token("synthetic GET " + path);
    for (;;) {
      if (s.cancelled()) return make_error(error_kind::cancelled, stream + ": cancelled");
      std::string query = "limit=500";
      if (!since.empty()) query += "&" + since_param + "=" + url_encode(since);
      if (!pages.cursor().empty()) query += "&page_token=" + url_encode(pages.cursor());
      const auto req = get(s, path, query);
      auto res = s.call(req);
      if (!res) return std::move(res).error();
      auto body = parse_body(req, *res);
      if (!body) return std::move(body).error();
      std::string last;
      for (const auto& record : (*body)["data"]) {
        if (auto st = s.emit(stream, record); !st) return st;
        if (each) each(record);
        last = record.value(key, "");
      }
      if (!last.empty()) {
        if (auto st = s.checkpoint({{key, last}}); !st) return st;
      }
      const auto& next = (*body)["next_page_token"];
      auto more = pages.next_cursor(next.is_string() ? next.get<std::string>() : std::string{});
      if (!more) return std::move(more).error();
      if (!*more) return {};
    }
  }

  status run_accounts(const task_spec& task, session& s) {
    std::string since = task.bookmark.is_object() ? task.bookmark.value("updated_at", "") : "";
    const bool fan_out = !task.emits.empty();
    return page_incremental(s, "accounts", "/v1/accounts", "updated_since", "updated_at", since,
                            [&](const json& account) {
                              if (!fan_out) return;
                              task_spec child;
                              child.stream = "events";
                              child.partition = account.value("id", "");
                              child.params = {{"account_id", child.partition}};
                              s.spawn(std::move(child));
                            });
  }

  status run_events(const task_spec& task, session& s) {
    const std::string account = task.params.value("account_id", task.partition);
    std::string since = task.bookmark.is_object() ? task.bookmark.value("occurred_at", "") : "";
    return page_incremental(s, "events", "/v1/accounts/" + url_encode(account) + "/events", "since",
                            "occurred_at", since, {});
  }

  status run_users(session& s) {
    constexpr int per_page = 500;
    auto pages = paginator::page_number("synthetic GET /v1/users", per_page);
    for (;;) {
      if (s.cancelled()) return make_error(error_kind::cancelled, "users: cancelled");
      const auto req =
          get(s, "/v1/users", "page=" + std::to_string(pages.page()) + "&per_page=" + std::to_string(per_page));
      auto res = s.call(req);
      if (!res) return std::move(res).error();
      auto body = parse_body(req, *res);
      if (!body) return std::move(body).error();
      const auto& data = (*body)["data"];
      for (const auto& record : data)
        if (auto st = s.emit("users", record); !st) return st;
      auto more = pages.next_page(data.size(), data.empty() ? std::string{}
                                                             : data.front().value("id", "") + ".." +
                                                                   data.back().value("id", ""));
      if (!more) return std::move(more).error();
      if (!*more) break;
    }
    // Full table: the bookmark records when the last full read finished.
    return s.checkpoint({{"full_table_completed", true}});
  }
};

} // namespace

std::unique_ptr<connector> make_synthetic_connector() {
  return std::make_unique<synthetic_connector>();
}

} // namespace quarry::connectors
