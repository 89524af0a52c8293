#pragma once

// The request and response a simulator handler sees: plain copies of the
// HTTP exchange, so simulator code and its headers need no HTTP library.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quarry::sim {

struct request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // as sent, without the query string
  std::map<std::string, std::string, std::less<>> path_params;  // {name} in the template
  std::multimap<std::string, std::string, std::less<>> query;
  std::multimap<std::string, std::string, std::less<>> headers;  // names lower-case
  std::string body;

  // The first value, or nullopt.
  std::optional<std::string> query_param(std::string_view name) const;
  std::optional<std::string> header(std::string_view name) const;  // any case
  const std::string& path_param(std::string_view name) const;      // "" if absent
};

struct response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // Sent as it is, with no content encoding even for clients that accept
  // gzip (which the server otherwise uses): large export files, which real
  // APIs serve as they are.
  bool uncompressed = false;
  // A test fault: announce the whole body, send this many bytes of it, then
  // drop the connection (a download cut short). Implies uncompressed.
  std::optional<std::size_t> cut_after;

  void json(int status_code, std::string json_body) {
    status = status_code;
    body = std::move(json_body);
    content_type = "application/json";
  }
};

} // namespace quarry::sim
