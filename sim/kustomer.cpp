// The Kustomer API v1 on the wire (apis.md section 4). JSON everywhere; every
// API call needs "Authorization: Bearer <api key>", else 401
//   {"errors":[{"status":401,"code":"unauthorized","title":"Unauthorized",
//               "detail":"Invalid or expired token"}]}
// Records are JSON:API objects {type, id, attributes (camelCase, updatedAt
// with milliseconds), relationships {name: {links, data}}, links {self}}.
//
// POST /v1/customers/search?page=P&pageSize=N        (P from 1, N <= 500)
//   A larger pageSize is served as the largest page, here and on the lists,
//   and meta.pageSize and the links say so [GUESS].
//   {"queryContext":"customer|conversation|message|note|kobject",
//    "and":[{"<ctx>_updated_at":{"gte":"2024-01-01T00:00:00.000Z"}},
//           {"<ctx>_created_at":{"lt":"2024-01-01T00:00:00.000Z"}},
//           {"<ctx>_id":{"gt":"5e00..."}}],           (gt|gte|lt|lte, any number)
//    "sort":[{"<ctx>_updated_at":"asc"}]}
//   Results are ordered by updatedAt ascending, ties by id. Answer:
//   {"meta":{"pageSize":N,"page":P,"total":T,"totalPages":ceil(T/N)},
//    "data":[...],
//    "links":{"self","first","prev","next","last"}}    (paths, null when none)
//   links.next is null on the last page and on the last page inside the
//   search window (max_search_hits, default 10,000): the client re-anchors a
//   new search after its last record. A page past the window: 400
//   {"errors":[{"status":400,"code":"invalid_request","title":"Bad Request",
//   "detail":"search results are limited to 10000 hits"}]} [GUESS]. Unknown
//   context, field, operator, sort, a descending sort or a body that is not
//   JSON: 400 code "bad_request". The paths also answer with a trailing "/"
//   (tap-kustomer calls "/v1/customers/search/").
//
// Readings (server.hpp; `quarry sim kustomer --reading NAME=VALUE`, or POST
// /_sim/readings), the first value the default, for what Kustomer's docs
// leave open:
//   id_filter       honoured | refused | ignored: the undocumented <ctx>_id
//                   condition filters; or is answered 400 {"errors":[{
//                   "status":400,"code":"bad_request","title":"Unsupported
//                   filter","detail":"customer_id is not a searchable
//                   attribute","source":{"pointer":"/and/1"}}]}; or is
//                   silently dropped.
//   time_precision  ms | us: times compare to the millisecond the wire shows,
//                   or to a microsecond the wire does not show (each record
//                   has one inside its millisecond): "lte <t>" then misses
//                   most records shown at t.
//   tie_order       id | unordered: records sharing updatedAt come in id
//                   order, or in an order unrelated to their ids.
//   search_total    exact | capped: meta.total counts every match, or at most
//                   max_search_hits (as search engines report deep results).
//   search_depth    hits | pages: the window is max_search_hits results, or
//                   max_search_pages pages of any size (the docs' "100-page
//                   limit").
// GET /v1/users|teams|tags|shortcuts?page=P&pageSize=N   (N <= 500 for users and
//   teams, 100 for tags and shortcuts; default 100) records in id order, the
//   same meta and links. GET /v1/users/current: {"data": <the first user>}.
//
// Limits (call_ledger windows): every call counts against the org's
// org_per_minute; search calls also against search_per_minute. Every answer
// has x-ratelimit-limit, x-ratelimit-remaining (after this call) and
// x-ratelimit-reset (Unix seconds when the oldest call in the window leaves
// it) of the window with the least room. Over a limit: 429
//   {"errors":[{"status":429,"code":"rate_limited","title":"Too Many Requests"}]}
// with the same headers and no Retry-After [GUESS: the body was never captured].
//
// Control (uncounted): POST /_sim/mutate {"touch":K,"add":M} (each search
// kind), GET /_sim/dataset/<stream> (records as the connector emits them).

#include "sim/kustomer.hpp"

#include "sim/timestamps.hpp"

#include <charconv>
#include <cmath>
#include <regex>
#include <stdexcept>

namespace quarry::sim {

namespace {

using nlohmann::json;

void answer_error(response& res, int status, std::string_view code, std::string_view title,
                  std::string_view detail = {}) {
  json error = {{"status", status}, {"code", code}, {"title", title}};
  if (!detail.empty()) error["detail"] = detail;
  res.json(status, json{{"errors", json::array({std::move(error)})}}.dump());
}

void bad_request(response& res, const std::string& detail) {
  answer_error(res, 400, "bad_request", "Bad Request", detail);
}

// An optional positive integer parameter; false (and a 400 answered) when malformed.
bool positive_param(const request& req, response& res, std::string_view name, std::int64_t& value) {
  const auto text = req.query_param(name);
  if (!text) return true;
  std::int64_t n = 0;
  const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc{} || ptr != text->data() + text->size() || n < 1) {
    bad_request(res, std::string(name) + " must be a positive integer");
    return false;
  }
  value = n;
  return true;
}

struct paging {
  std::int64_t page = 1;
  std::int64_t size = 100;
};

// A pageSize above the endpoint's largest page is served at the largest
// [GUESS: tap-kustomer asks every list for 500 and works in production].
bool read_paging(const request& req, response& res, std::int64_t max_size, paging& out) {
  if (!positive_param(req, res, "page", out.page) || !positive_param(req, res, "pageSize", out.size))
    return false;
  out.size = std::min(out.size, max_size);
  return true;
}

json page_link(const std::string& path, std::int64_t page, std::int64_t size) {
  return path + "?page=" + std::to_string(page) + "&pageSize=" + std::to_string(size);
}

// The envelope of a page; `last_page` is the last page a client may ask for,
// `matching` how many records match (page.total is what meta.total says).
void answer_page(response& res, const std::string& path, const paging& p, kustomer_page page,
                 std::int64_t last_page, std::int64_t matching) {
  const std::int64_t total_pages = (matching + p.size - 1) / p.size;
  json links = {{"self", page_link(path, p.page, p.size)},
                {"first", page_link(path, 1, p.size)},
                {"prev", p.page > 1 ? page_link(path, p.page - 1, p.size) : json()},
                {"next", p.page < std::min(total_pages, last_page) ? page_link(path, p.page + 1, p.size)
                                                                   : json()},
                {"last", page_link(path, std::max<std::int64_t>(1, std::min(total_pages, last_page)), p.size)}};
  json body = {{"meta", {{"pageSize", p.size}, {"page", p.page}, {"total", page.total},
                         {"totalPages", total_pages}}},
               {"data", std::move(page.data)},
               {"links", std::move(links)}};
  res.json(200, body.dump());
}

// What a search body asks, or why it is refused.
struct search_problem {
  search_problem(std::string why = {}, std::string name = "Bad Request")
      : detail(std::move(why)), title(std::move(name)) {}
  std::string detail;  // "" when understood
  std::string title;   // "Unsupported filter" for a refused <ctx>_id
  std::string pointer; // the JSON pointer of the refused condition
};

// One `and` condition {"<ctx>_updated_at": {"gte": "..."}} into `filter`;
// `id_filter` is the reading of the undocumented <ctx>_id condition.
search_problem read_condition(std::string_view context, const json& condition, std::string_view id_filter,
                              kustomer_filter& filter) {
  if (!condition.is_object() || condition.size() != 1) return {"each and[] item must be one {field: {op: value}}"};
  const auto& field = condition.begin().key();
  const auto& ops = condition.begin().value();
  const auto prefix = std::string(context) + "_";
  kustomer_time_bounds* time = field == prefix + "updated_at"   ? &filter.updated
                               : field == prefix + "created_at" ? &filter.created
                                                                : nullptr;
  if (!time && field != prefix + "id") return {"unsupported search field " + field};
  if (!time && id_filter == "refused")
    return {field + " is not a searchable attribute", "Unsupported filter"};
  if (!time && id_filter == "ignored") return {};
  if (!ops.is_object() || ops.empty()) return {field + " needs an operator object"};
  for (const auto& [op, value] : ops.items()) {
    if (!value.is_string()) return {field + "." + op + " must be a string"};
    const auto text = value.get<std::string>();
    if (time) {
      const auto us = parse_rfc3339_us(text);
      if (!us) return {field + "." + op + " must be an ISO 8601 time"};
      if (op == "gt") time->gt = *us;
      else if (op == "gte") time->gte = *us;
      else if (op == "lt") time->lt = *us;
      else if (op == "lte") time->lte = *us;
      else return {"unsupported operator " + op};
    } else {
      if (op == "gt") filter.id_gt = text;
      else if (op == "gte") filter.id_gte = text;
      else if (op == "lt") filter.id_lt = text;
      else if (op == "lte") filter.id_lte = text;
      else return {"unsupported operator " + op};
    }
  }
  return {};
}

// The search body into a context and filter.
search_problem read_search(const std::string& body_text, std::string_view id_filter, kustomer_kind& kind,
                           kustomer_filter& filter) {
  const auto body = json::parse(body_text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return {"the body must be a JSON object"};
  for (const auto& [key, value] : body.items())
    if (key != "queryContext" && key != "and" && key != "sort") return {"unsupported search key " + key};
  if (!body.contains("queryContext") || !body["queryContext"].is_string()) return {"queryContext is required"};
  const auto context = body["queryContext"].get<std::string>();
  const auto found = kind_of_context(context);
  if (!found || !searchable(*found)) return {"unknown queryContext " + context};
  kind = *found;
  if (body.contains("and")) {
    if (!body["and"].is_array()) return {"and must be an array"};
    for (std::size_t i = 0; i < body["and"].size(); ++i)
      if (auto problem = read_condition(context, body["and"][i], id_filter, filter); !problem.detail.empty()) {
        problem.pointer = "/and/" + std::to_string(i);
        return problem;
      }
  }
  if (body.contains("sort")) {
    if (!body["sort"].is_array()) return {"sort must be an array"};
    for (const auto& item : body["sort"]) {
      if (!item.is_object() || item.size() != 1) return {"each sort item must be one {field: order}"};
      const auto& field = item.begin().key();
      const auto& order = item.begin().value();
      if (field != context + "_updated_at" && field != context + "_created_at" && field != context + "_id")
        return {"unsupported sort field " + field};
      if (order != "asc") return {"the simulator sorts ascending only"};
    }
  }
  return {};
}

// --- the connector's view: Stitch's columns ---------------------------------

// tap-kustomer's convert(): (.)([A-Z][a-z]+) -> \1_\2, ([a-z0-9])([A-Z]) -> \1_\2, lower.
std::string snake(const std::string& name) {
  static const std::regex words("(.)([A-Z][a-z]+)");
  static const std::regex humps("([a-z0-9])([A-Z])");
  auto out = std::regex_replace(std::regex_replace(name, words, "$1_$2"), humps, "$1_$2");
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

json snake_keys(const json& value) {
  if (value.is_array()) {
    json out = json::array();
    for (const auto& item : value) out.push_back(snake_keys(item));
    return out;
  }
  if (!value.is_object()) return value;
  json out = json::object();
  for (const auto& [key, item] : value.items()) out[snake(key)] = snake_keys(item);
  return out;
}

json stitch_record(const json& wire) {
  json converted = snake_keys(wire);
  json out = json::object();
  for (const auto& [key, value] : converted.items())
    if (key != "attributes" && key != "relationships") out[key] = value;
  for (const auto& [key, value] : converted["attributes"].items()) out[key] = value;
  for (const auto& [key, value] : converted["relationships"].items())
    if (value.is_object() && value.contains("data")) out[key == "sla" ? "sla_data" : key] = value["data"];
  return out;
}

} // namespace

kustomer_simulator::kustomer_simulator(kustomer_options options)
    : options_(std::move(options)),
      data_(std::make_unique<kustomer_data>(options_.data)),
      server_([this] {
        if (options_.org_per_minute < 1 || options_.search_per_minute < 1 ||
            !(options_.window_seconds > 0) || options_.max_search_hits < 1 || options_.max_search_pages < 1)
          throw std::invalid_argument("kustomer limits must be positive");
        auto s = options_.server;
        s.limits.windows = {{options_.org_per_minute, options_.window_seconds}};
        s.limits.path_windows = {
            {"/v1/customers/search", {options_.search_per_minute, options_.window_seconds}}};
        s.trailing_slash = true;
        s.annotate = [](const std::vector<window_room>& rooms, response& res) {
          if (rooms.empty()) return;
          const auto tight = std::min_element(rooms.begin(), rooms.end(), [](const auto& a, const auto& b) {
            return a.remaining < b.remaining;
          });
          const auto now = std::chrono::duration<double>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
          res.headers.emplace_back("x-ratelimit-limit", std::to_string(tight->limit));
          res.headers.emplace_back("x-ratelimit-remaining", std::to_string(tight->remaining));
          res.headers.emplace_back("x-ratelimit-reset",
                                   std::to_string(static_cast<std::int64_t>(std::ceil(now + tight->reset_s))));
        };
        return s;
      }()) {
  server_.declare_reading("id_filter", {"honoured", "refused", "ignored"});
  server_.declare_reading("time_precision", {"ms", "us"});
  server_.declare_reading("tie_order", {"id", "unordered"});
  server_.declare_reading("search_total", {"exact", "capped"});
  server_.declare_reading("search_depth", {"hits", "pages"});
  add_routes();
}

kustomer_simulator::~kustomer_simulator() = default;

void kustomer_simulator::start() { server_.start(); }
void kustomer_simulator::stop() { server_.stop(); }

void kustomer_simulator::add_routes() {
  using self = kustomer_simulator;
  const auto plain = [this](route r) -> server::handler {
    return [this, r](const request& req, response& res) { (this->*r)(req, res); };
  };
  auto authed = [this](server::handler h) {
    return [this, h = std::move(h)](const request& req, response& res) {
      if (req.header("authorization") != "Bearer " + options_.api_key) {
        answer_error(res, 401, "unauthorized", "Unauthorized", "Invalid or expired token");
        return;
      }
      h(req, res);
    };
  };
  server_.set_rejection_handler([](const rejection&, const request&, response& res) {
    answer_error(res, 429, "rate_limited", "Too Many Requests");
  });

  server_.add_api_route("POST", "/v1/customers/search", authed(plain(&self::customers_search)));
  for (const auto kind : {kustomer_kind::user, kustomer_kind::team, kustomer_kind::tag, kustomer_kind::shortcut}) {
    const std::string path = "/v1/" + std::string(plural_name(kind));
    const std::int64_t max_size = kind == kustomer_kind::user || kind == kustomer_kind::team ? 500 : 100;
    server_.add_api_route("GET", path, authed([this, kind, path, max_size](const request& req, response& res) {
      list(kind, path, max_size, req, res);
    }));
  }
  server_.add_api_route("GET", "/v1/users/current", authed(plain(&self::users_current)));

  server_.add_control_route("POST", "/_sim/mutate", plain(&self::sim_mutate));
  server_.add_control_route("GET", "/_sim/dataset/{stream}", plain(&self::sim_dataset));
}

void kustomer_simulator::customers_search(const request& req, response& res) {
  paging p;
  if (!read_paging(req, res, 500, p)) return;
  kustomer_kind kind{};
  kustomer_filter filter;
  if (auto problem = read_search(req.body, server_.reading("id_filter"), kind, filter); !problem.detail.empty()) {
    json error = {{"status", 400}, {"code", "bad_request"}, {"title", problem.title}, {"detail", problem.detail}};
    if (!problem.pointer.empty()) error["source"] = {{"pointer", problem.pointer}};
    res.json(400, json{{"errors", json::array({std::move(error)})}}.dump());
    return;
  }
  // The window: max_search_hits results, or max_search_pages pages of any size.
  const bool by_pages = server_.reading("search_depth") == "pages";
  const std::int64_t last_page =
      by_pages ? options_.max_search_pages : (options_.max_search_hits + p.size - 1) / p.size;
  if (p.page > last_page) {
    answer_error(res, 400, "invalid_request", "Bad Request",
                 by_pages ? "search results are limited to " + std::to_string(options_.max_search_pages) + " pages"
                          : "search results are limited to " + std::to_string(options_.max_search_hits) + " hits");
    return;
  }
  kustomer_search_view view;
  view.precise = server_.reading("time_precision") == "us";
  view.ties_by_id = server_.reading("tie_order") == "id";
  auto found = data_->search(kind, filter, (p.page - 1) * p.size, p.size, view);
  const auto total = found.total;
  if (server_.reading("search_total") == "capped") found.total = std::min(found.total, options_.max_search_hits);
  answer_page(res, "/v1/customers/search", p, std::move(found), last_page, total);
}

void kustomer_simulator::list(kustomer_kind kind, const std::string& path, std::int64_t max_size, const request& req,
                              response& res) {
  paging p;
  if (!read_paging(req, res, max_size, p)) return;
  auto found = data_->list(kind, (p.page - 1) * p.size, p.size);
  const auto total = found.total;
  answer_page(res, path, p, std::move(found), std::numeric_limits<std::int64_t>::max(), total);
}

void kustomer_simulator::users_current(const request&, response& res) {
  auto first = data_->list(kustomer_kind::user, 0, 1);
  if (first.data.empty()) {
    answer_error(res, 404, "not_found", "Not Found");
    return;
  }
  res.json(200, json{{"data", first.data.front()}}.dump());
}

void kustomer_simulator::sim_mutate(const request& req, response& res) {
  const auto body = control_body(req);
  auto count = [&](const char* name) { return control_count(body, name); };
  const auto changed = mutate(count("touch"), count("add"));
  res.json(200, json{{"touched", changed.touched}, {"added", changed.added}}.dump());
}

void kustomer_simulator::sim_dataset(const request& req, response& res) {
  const auto kind = kind_of_plural(req.path_param("stream"));
  if (!kind) {
    answer_error(res, 404, "not_found", "Not Found");
    return;
  }
  res.json(200, dataset_json(*kind));
}

kustomer_mutation kustomer_simulator::mutate(std::int64_t touch, std::int64_t add) {
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(server_.clock().now().time_since_epoch()).count();
  return data_->mutate(touch, add, now_ms);
}

std::string kustomer_simulator::dataset_json(kustomer_kind kind) const {
  json out = json::array();
  for (const auto& wire : data_->all(kind)) out.push_back(stitch_record(wire));
  return out.dump();
}

} // namespace quarry::sim
