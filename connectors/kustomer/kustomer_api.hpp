#pragma once

// Kustomer API v1 as the connector calls it: the host, the account's
// settings, one request and one page of an answer. Used by the list reader
// (kustomer_connector.cpp) and the search reader (kustomer_search.hpp).

#include "connectors/core/session.hpp"
#include "connectors/core/timestamp.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::connectors::kustomer {

// The API host: the account's endpoint, else settings.region's ("us"
// default, "eu"). fatal for another region.
result<std::string> api_base(const job_context& job);

// How deep one search may page. Kustomer's docs speak of a "100-page
// limit"; other readers of the API saw 10,000 results whatever the page
// size [GUESS]: quarry stays inside both.
struct search_depth {
  int page_size = 500;        // settings.page_size, 1..500
  std::int64_t hits = 10000;  // settings.search_depth, >= page_size
  std::int64_t pages = 100;
  // Records one search can page through: whole pages inside both limits.
  std::int64_t capacity() const;
};
// settings.page_size and settings.search_depth; fatal naming the setting
// when out of range.
result<search_depth> read_search_depth(const job_context& job);

// One answer page: {"meta": {..., "total"}, "data": [...], "links": {"next"}}.
struct page {
  nlohmann::json body;
  bool last = true;                   // links.next null or absent
  std::optional<std::int64_t> total;  // meta.total when the answer has it
  const nlohmann::json& data() const { return body["data"]; }
};

http::request make_request(session& s, const std::string& base, std::string method, std::string_view path,
                           const std::string& query);
// The answer as a page; bad_payload naming the request when it is not one.
result<page> read_page(const http::request& req, const http::response& res);
// Sends `req` and reads the page.
result<page> fetch(session& s, const http::request& req);

// A record's id and attributes.<name> ("updatedAt", "createdAt") in
// milliseconds [GUESS: Kustomer writes milliseconds; finer digits are cut to
// the millisecond, the unit its search compares in]. bad_payload naming the
// stream and record when either is missing or unreadable.
struct record_time {
  std::string id;
  instant at;
};
result<record_time> read_time(std::string_view stream, const nlohmann::json& wire, std::string_view name);

// Hands one JSON:API record to the output as the stream's record.
status emit_record(session& s, std::string_view stream, const nlohmann::json& wire);

} // namespace quarry::connectors::kustomer
