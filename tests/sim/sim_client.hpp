#pragma once

// A small HTTP client for simulator tests: one call, the status, the body
// and (when it parses) the JSON.

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <string>

namespace quarry::sim::testing {

struct reply {
  int status = 0;  // -1: no response at all
  std::string body;
  nlohmann::json json;  // discarded when the body is not JSON
  httplib::Headers headers;

  bool is_json() const { return !json.is_discarded(); }
};

class sim_client {
 public:
  sim_client(const std::string& host, int port, std::string api_key = "synthetic-key")
      : client_(host, port), api_key_(std::move(api_key)) {
    client_.set_read_timeout(30, 0);
  }

  void set_api_key(std::string key) { api_key_ = std::move(key); }

  reply get(const std::string& path_and_query) {
    httplib::Headers headers;
    if (!api_key_.empty()) headers.emplace("Authorization", "Bearer " + api_key_);
    return to_reply(client_.Get(path_and_query.c_str(), headers));
  }

  reply post(const std::string& path, const std::string& json_body) {
    return to_reply(client_.Post(path.c_str(), json_body, "application/json"));
  }

 private:
  static reply to_reply(const httplib::Result& res) {
    reply out;
    if (!res) {
      out.status = -1;
      out.json = nlohmann::json(nlohmann::json::value_t::discarded);
      return out;
    }
    out.status = res->status;
    out.body = res->body;
    out.headers = res->headers;
    out.json = nlohmann::json::parse(res->body, nullptr, false);
    return out;
  }

  httplib::Client client_;
  std::string api_key_;
};

} // namespace quarry::sim::testing
