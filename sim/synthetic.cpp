// The synthetic API on the wire. All bodies are JSON; timestamps RFC 3339 UTC
// with "Z" and whole seconds; every API call needs
// "Authorization: Bearer <api_key>" (else 401 {"error":"invalid_token"}).
//
// GET /v1/accounts?updated_since=T&limit=N&page_token=P
//   {"data":[{"id":"acc-00001","name":"Account 1","tier":"gold",
//             "updated_at":"2024-05-01T10:00:00Z"}],
//    "next_page_token":"..." | null}
//   Sorted by (updated_at, id). updated_since is an exclusive lower bound.
//   next_page_token is null exactly when no records follow this page; it is
//   an opaque keyset cursor, valid for as long as the simulator runs (and
//   across runs with the same seed).
// GET /v1/accounts/{id}/events?since=T&limit=N&page_token=P
//   {"data":[{"id":"evt-00001-0001","account_id":"acc-00001","type":"click",
//             "value":42,"occurred_at":"..."}], "next_page_token": ...}
//   Sorted by (occurred_at, id); 404 {"error":"not_found"} for an unknown account.
// GET /v1/users?page=P&per_page=N      (page 1-based)
//   {"data":[{"id":"usr-0001","email":"user1@example.com","role":"admin"}],
//    "total":U}; empty data past the end.
// limit and per_page default to 100 and are capped at max_page_size (500).
// Bad parameters: 400 {"error":"invalid_parameter","message":...}; a token
// this simulator did not make: 400 {"error":"invalid_page_token"}.

#include "sim/synthetic.hpp"

#include "sim/synthetic_data.hpp"
#include "sim/timestamps.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace quarry::sim {

namespace {

// Identifiers, names and emails here are plain ASCII; escape anyway.
void append_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

void append_account(std::string& out, const synthetic_data& data, const account_row& a) {
  out += R"({"id":)";
  append_string(out, data.account_id(a.number));
  out += R"(,"name":)";
  append_string(out, "Account " + std::to_string(a.number));
  out += R"(,"tier":)";
  append_string(out, synthetic_data::tier_name(a.tier));
  out += R"(,"updated_at":)";
  append_string(out, format_rfc3339(a.updated_at));
  out += '}';
}

void append_event(std::string& out, const synthetic_data& data, const event_row& e) {
  out += R"({"id":)";
  append_string(out, data.event_id(e));
  out += R"(,"account_id":)";
  append_string(out, data.account_id(e.account));
  out += R"(,"type":)";
  append_string(out, synthetic_data::event_type_name(e.type));
  out += R"(,"value":)";
  out += std::to_string(e.value);
  out += R"(,"occurred_at":)";
  append_string(out, format_rfc3339(e.occurred_at));
  out += '}';
}

void append_user(std::string& out, const synthetic_data& data, const user_row& u) {
  out += R"({"id":)";
  append_string(out, data.user_id(u.number));
  out += R"(,"email":)";
  append_string(out, "user" + std::to_string(u.number) + "@example.com");
  out += R"(,"role":)";
  append_string(out, synthetic_data::role_name(u.role));
  out += '}';
}

template <class Row, class Append>
std::string json_array(const std::vector<Row>& rows, const synthetic_data& data, Append append) {
  std::string out = "[";
  out.reserve(rows.size() * 120 + 2);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) out += ',';
    append(out, data, rows[i]);
  }
  out += ']';
  return out;
}

void bad_parameter(response& res, const std::string& message) {
  res.json(400, nlohmann::json{{"error", "invalid_parameter"}, {"message", message}}.dump());
}

// An optional positive integer parameter; false (and a 400 answered) when malformed.
bool positive_param(const request& req, response& res, std::string_view name,
                    std::int64_t& value) {
  const auto text = req.query_param(name);
  if (!text) return true;
  std::int64_t n = 0;
  const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc{} || ptr != text->data() + text->size() || n < 1) {
    bad_parameter(res, std::string(name) + " must be a positive integer");
    return false;
  }
  value = n;
  return true;
}

// Fills the keyset query from `since_param`, limit and page_token.
bool keyset_query(const request& req, response& res, std::string_view since_param,
                  int max_page_size, page_query& q) {
  if (const auto since = req.query_param(since_param)) {
    q.since_us = parse_rfc3339_us(*since);
    if (!q.since_us) {
      bad_parameter(res, std::string(since_param) + " must be an RFC 3339 time");
      return false;
    }
  }
  std::int64_t limit = 100;
  if (!positive_param(req, res, "limit", limit)) return false;
  q.limit = static_cast<int>(std::min<std::int64_t>(limit, max_page_size));
  if (const auto token = req.query_param("page_token"); token && !token->empty()) {
    q.after = decode_page_token(*token);
    if (!q.after) {
      res.json(400, R"({"error":"invalid_page_token"})");
      return false;
    }
  }
  return true;
}

void answer_page(response& res, std::string data, const std::optional<page_cursor>& next) {
  std::string body = R"({"data":)";
  body += data;
  body += R"(,"next_page_token":)";
  if (next) append_string(body, encode_page_token(*next));
  else body += "null";
  body += '}';
  res.json(200, std::move(body));
}

synthetic_shape shape_of(const synthetic_options& o) {
  if (o.max_page_size < 1) throw std::invalid_argument("max_page_size must be at least 1");
  return {o.seed, o.accounts, o.events_per_account, o.users};
}

} // namespace

synthetic_simulator::synthetic_simulator(synthetic_options options)
    : options_(std::move(options)),
      data_(std::make_unique<synthetic_data>(shape_of(options_))),
      server_(options_.server) {
  add_routes();
}

synthetic_simulator::~synthetic_simulator() = default;

void synthetic_simulator::start() { server_.start(); }
void synthetic_simulator::stop() { server_.stop(); }

void synthetic_simulator::add_routes() {
  using self = synthetic_simulator;
  const auto plain = [this](route r) -> server::handler {
    return [this, r](const request& req, response& res) { (this->*r)(req, res); };
  };
  // Wraps an API handler with the bearer-token check.
  auto authed = [this](server::handler h) {
    return [this, h = std::move(h)](const request& req, response& res) {
      if (req.header("authorization") != "Bearer " + options_.api_key) {
        res.json(401, R"({"error":"invalid_token"})");
        res.headers.emplace_back("WWW-Authenticate", "Bearer");
        return;
      }
      h(req, res);
    };
  };

  server_.add_api_route("GET", "/v1/accounts", authed(plain(&self::accounts)));
  server_.add_api_route("GET", "/v1/accounts/{id}/events", authed(plain(&self::account_events)));
  server_.add_api_route("GET", "/v1/users", authed(plain(&self::users)));

  // The account's calls today as the server counts them (this call and other
  // apps' included), like Marketo's stats/usage.
  server_.add_api_route("GET", "/v1/usage", authed(plain(&self::usage)));
  server_.add_control_route("POST", "/_sim/mutate", plain(&self::sim_mutate));
  server_.add_control_route("GET", "/_sim/dataset/{kind}", plain(&self::sim_dataset));
}

void synthetic_simulator::accounts(const request& req, response& res) {
  page_query q;
  if (!keyset_query(req, res, "updated_since", options_.max_page_size, q)) return;
  const auto page = data_->accounts_page(q);
  if (!page) {
    res.json(400, R"({"error":"invalid_page_token"})");
    return;
  }
  std::optional<page_cursor> next;
  if (page->more && !page->rows.empty())
    next = page_cursor{page->rows.back().updated_at, data_->account_id(page->rows.back().number)};
  answer_page(res, json_array(page->rows, *data_, append_account), next);
}

void synthetic_simulator::account_events(const request& req, response& res) {
  const auto account = data_->account_number(req.path_param("id"));
  if (!account) {
    res.json(404, R"({"error":"not_found"})");
    return;
  }
  page_query q;
  if (!keyset_query(req, res, "since", options_.max_page_size, q)) return;
  const auto page = data_->events_page(*account, q);
  if (!page) {
    res.json(400, R"({"error":"invalid_page_token"})");
    return;
  }
  std::optional<page_cursor> next;
  if (page->more && !page->rows.empty())
    next = page_cursor{page->rows.back().occurred_at, data_->event_id(page->rows.back())};
  answer_page(res, json_array(page->rows, *data_, append_event), next);
}

void synthetic_simulator::users(const request& req, response& res) {
  std::int64_t page = 1, per_page = 100;
  if (!positive_param(req, res, "page", page) ||
      !positive_param(req, res, "per_page", per_page))
    return;
  per_page = std::min<std::int64_t>(per_page, options_.max_page_size);
  std::string body = R"({"data":)";
  body += json_array(data_->users_page(page, per_page), *data_, append_user);
  body += R"(,"total":)" + std::to_string(data_->user_count()) + "}";
  res.json(200, std::move(body));
}

void synthetic_simulator::usage(const request&, response& res) {
  const auto stats = server_.stats();
  const auto day = format_day(server_.clock().now());
  const auto it = stats.calls_by_day.find(day);
  const std::int64_t calls = it == stats.calls_by_day.end() ? 0 : it->second;
  res.json(200, R"({"day":")" + day + R"(","calls_today":)" + std::to_string(calls) + "}");
}

void synthetic_simulator::sim_mutate(const request& req, response& res) {
  const auto body = control_body(req);
  const auto changed = mutate(static_cast<int>(control_count(body, "touch_accounts", 1 << 30)),
                              static_cast<int>(control_count(body, "add_events", 1 << 30)));
  res.json(200, nlohmann::json{{"touched_accounts", changed.touched_accounts},
                               {"added_events", changed.added_events}}
                    .dump());
}

void synthetic_simulator::sim_dataset(const request& req, response& res) {
  const auto& kind = req.path_param("kind");
  if (kind == "accounts") res.json(200, dataset_json(synthetic_dataset::accounts));
  else if (kind == "events") res.json(200, dataset_json(synthetic_dataset::events));
  else if (kind == "users") res.json(200, dataset_json(synthetic_dataset::users));
  else res.json(404, R"({"error":"not_found"})");
}

synthetic_mutation synthetic_simulator::mutate(int touch_accounts, int add_events) {
  return data_->mutate(touch_accounts, add_events, server_.clock().now_unix_seconds());
}

std::string synthetic_simulator::dataset_json(synthetic_dataset which) const {
  switch (which) {
    case synthetic_dataset::accounts:
      return json_array(data_->all_accounts(), *data_, append_account);
    case synthetic_dataset::events:
      return json_array(data_->all_events(), *data_, append_event);
    case synthetic_dataset::users:
      return json_array(data_->all_users(), *data_, append_user);
  }
  return "[]";
}

} // namespace quarry::sim
