#include "connectors/kustomer/kustomer_connector.hpp"

#include "connectors/core/timestamp.hpp"
#include "connectors/kustomer/kustomer_streams.hpp"

#include <tuple>

namespace quarry::connectors {
namespace {

using nlohmann::json;
namespace ks = kustomer;

constexpr std::string_view search_path = "/v1/customers/search";

// The API host: the account's endpoint, else the region's.
result<std::string> api_base(const job_context& job) {
  if (!job.endpoint.empty()) return job.endpoint;
  const auto region = job.settings.is_object() ? job.settings.value("region", "us") : std::string("us");
  if (region == "us") return std::string("https://api.kustomerapp.com");
  if (region == "eu") return std::string("https://api.prod2.kustomerapp.com");
  return make_error(error_kind::fatal, "kustomer: settings.region must be \"us\" or \"eu\", got \"" + region + "\"");
}

result<int> search_page_size(const job_context& job) {
  const auto& st = job.settings;
  if (!st.is_object() || !st.contains("page_size")) return 500;
  const auto& v = st["page_size"];
  if (!v.is_number_integer() || v.get<int>() < 1 || v.get<int>() > 500)
    return make_error(error_kind::fatal, "kustomer: settings.page_size must be an integer in 1..500");
  return v.get<int>();
}

// The answer's JSON:API page, or bad_payload naming the request.
result<json> parse_page(const http::request& req, const http::response& res) {
  auto body = json::parse(res.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("data") || !body["data"].is_array())
    return make_error(error_kind::bad_payload, req.describe + ": expected a JSON object with a data array, got \"" +
                                                   res.body.substr(0, 120) + "\"");
  return body;
}

bool last_page(const json& page) {
  const auto links = page.find("links");
  return links == page.end() || !links->is_object() || !links->contains("next") || (*links)["next"].is_null();
}

// A record's updatedAt in ms, or bad_payload naming the stream and record.
result<std::int64_t> updated_ms(std::string_view stream, const json& wire) {
  const auto attributes = wire.find("attributes");
  if (attributes != wire.end() && attributes->is_object()) {
    const auto at = attributes->find("updatedAt");
    if (at != attributes->end() && at->is_string())
      if (const auto ms = parse_rfc3339_ms(at->get<std::string>())) return *ms;
  }
  return make_error(error_kind::bad_payload, std::string(stream) + ": record " + wire.value("id", "?") +
                                                 " has no readable attributes.updatedAt");
}

// Where a search stream has got to: after (t, id); id "" = from t inclusive.
struct cursor {
  std::int64_t t = 0;
  std::string id;
  bool passed(std::int64_t u, const std::string& rid) const {
    return std::tie(u, rid) > std::tie(t, id);
  }
};

enum class search_mode { after_pair, tie, after_time };

class kustomer_connector final : public connector {
 public:
  std::string_view source() const override { return "kustomer"; }
  std::vector<credential_spec> credentials() const override { return {{"api_key", true, true}}; }

  quota_defaults default_quota() const override {
    quota_defaults q;
    q.windows = {{1000, 60}};           // Enterprise plan; the account's quota overrides it
    q.scoped_windows = {{"search", {100, 60}}};  // API-key searches
    return q;
  }

  result<std::vector<stream_descriptor>> discover(session&) override {
    std::vector<stream_descriptor> out;
    for (const auto& spec : ks::streams()) out.push_back(ks::descriptor(spec));
    return out;
  }

  status run(const task_spec& task, session& s) override {
    const auto* spec = ks::find_stream(task.stream);
    if (!spec) return make_error(error_kind::fatal, "kustomer: unknown stream " + task.stream);
    auto base = api_base(s.job());
    if (!base) return std::move(base).error();
    if (!spec->context.empty()) return run_search(*spec, *base, task, s);
    return run_list(*spec, *base, task, s);
  }

 private:
  static http::request request(session& s, const std::string& base, std::string method, std::string_view path,
                               const std::string& query) {
    http::request req;
    req.method = std::move(method);
    req.url = base + std::string(path) + "?" + query;
    req.describe = req.method + " " + std::string(path);
    req.headers = {{"Authorization", "Bearer " + s.job().credential("api_key")}, {"Accept", "application/json"}};
    return req;
  }

  // Fetches and checks one page.
  static result<json> fetch(session& s, const http::request& req) {
    auto res = s.call(req);
    if (!res) return std::move(res).error();
    return parse_page(req, *res);
  }

  static json search_body(const ks::stream_spec& spec, search_mode mode, const cursor& c) {
    const std::string field = std::string(spec.context) + "_updated_at";
    const auto t = format_rfc3339_ms(c.t);
    json conditions = json::array();
    switch (mode) {
      case search_mode::after_pair:
        conditions.push_back({{field, {{"gte", t}}}});
        break;
      case search_mode::tie:
        conditions.push_back({{field, {{"gte", t}, {"lte", t}}}});
        conditions.push_back({{std::string(spec.context) + "_id", {{"gt", c.id}}}});
        break;
      case search_mode::after_time:
        conditions.push_back({{field, {{"gt", t}}}});
        break;
    }
    return {{"and", std::move(conditions)},
            {"sort", json::array({{{field, "asc"}}})},
            {"queryContext", spec.context}};
  }

  status run_search(const ks::stream_spec& spec, const std::string& base, const task_spec& task, session& s) {
    auto size = search_page_size(s.job());
    if (!size) return std::move(size).error();
    cursor c;
    if (task.bookmark.is_object() && task.bookmark.contains("updated_at")) {
      const auto t = parse_rfc3339_ms(task.bookmark.value("updated_at", ""));
      if (!t) return make_error(error_kind::fatal, task.stream + ": unreadable bookmark " + task.bookmark.dump());
      c = {*t, task.bookmark.value("id", "")};
    } else {
      c.t = parse_rfc3339_ms(s.job().start_date).value_or(0);
    }
    auto mode = search_mode::after_pair;
    for (;;) {
      if (s.cancelled()) return make_error(error_kind::cancelled, task.stream + ": cancelled");
      auto req = request(s, base, "POST", search_path, "page=1&pageSize=" + std::to_string(*size));
      req.describe += " (" + std::string(spec.context) + ")";
      req.headers.emplace_back("Content-Type", "application/json");
      req.body = search_body(spec, mode, c).dump();
      req.quota_scope = "search";
      auto page = fetch(s, req);
      if (!page) return std::move(page).error();
      const auto& data = (*page)["data"];
      std::int64_t emitted = 0;
      std::optional<std::int64_t> first_t;
      for (const auto& wire : data) {
        auto u = updated_ms(task.stream, wire);
        if (!u) return std::move(u).error();
        if (!first_t) first_t = *u;
        const auto id = wire.value("id", "");
        if (!c.passed(*u, id)) continue;  // seen before this search began
        auto record = ks::stitch_record(wire);
        if (!record) return make_error(error_kind::bad_payload, task.stream + ": not a Kustomer record: " + wire.dump().substr(0, 120));
        if (auto st = s.emit(task.stream, *record); !st) return st;
        c = {*u, id};
        ++emitted;
      }
      if (emitted > 0)
        if (auto st = s.checkpoint({{"updated_at", format_rfc3339_ms(c.t)}, {"id", c.id}}); !st) return st;
      const bool last = last_page(*page);
      search_mode next;
      if (mode == search_mode::tie) next = last ? search_mode::after_time : search_mode::tie;
      else if (last) return {};
      else next = first_t == c.t ? search_mode::tie : search_mode::after_pair;
      if (emitted == 0 && next == mode)
        return make_error(error_kind::bad_payload, req.describe + ": a full page with no record after the cursor " +
                                                       format_rfc3339_ms(c.t) + " " + c.id);
      mode = next;
    }
  }

  status run_list(const ks::stream_spec& spec, const std::string& base, const task_spec& task, session& s) {
    // Emitted: records updated after `since`. The first run starts at start_date, inclusive.
    std::int64_t since = parse_rfc3339_ms(s.job().start_date).value_or(0) - 1;
    std::int64_t max_seen = since;
    int page = 1;
    if (task.bookmark.is_object() && task.bookmark.contains("updated_at")) {
      const auto t = parse_rfc3339_ms(task.bookmark.value("updated_at", ""));
      if (!t) return make_error(error_kind::fatal, task.stream + ": unreadable bookmark " + task.bookmark.dump());
      since = max_seen = *t;
      if (task.bookmark.contains("page")) {  // resume a scan cut short
        page = task.bookmark.value("page", 0) + 1;
        max_seen = parse_rfc3339_ms(task.bookmark.value("max_seen", "")).value_or(since);
      }
    }
    for (;; ++page) {
      if (s.cancelled()) return make_error(error_kind::cancelled, task.stream + ": cancelled");
      const auto req = request(s, base, "GET", spec.path,
                               "page=" + std::to_string(page) + "&pageSize=" + std::to_string(spec.page_size));
      auto body = fetch(s, req);
      if (!body) return std::move(body).error();
      for (const auto& wire : (*body)["data"]) {
        auto u = updated_ms(task.stream, wire);
        if (!u) return std::move(u).error();
        max_seen = std::max(max_seen, *u);
        if (*u <= since) continue;
        auto record = ks::stitch_record(wire);
        if (!record) return make_error(error_kind::bad_payload, task.stream + ": not a Kustomer record: " + wire.dump().substr(0, 120));
        if (auto st = s.emit(task.stream, *record); !st) return st;
      }
      if (last_page(*body)) return s.checkpoint({{"updated_at", format_rfc3339_ms(max_seen)}});
      if (auto st = s.checkpoint({{"updated_at", format_rfc3339_ms(since)}, {"page", page},
                                  {"max_seen", format_rfc3339_ms(max_seen)}});
          !st)
        return st;
    }
  }
};

} // namespace

std::unique_ptr<connector> make_kustomer_connector() { return std::make_unique<kustomer_connector>(); }

} // namespace quarry::connectors
