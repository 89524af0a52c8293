#include "tests/support/fake_session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace quarry::testing {

using nlohmann::json;

std::string request_key(const http::request& req) {
  auto start = req.url.find("://");
  start = req.url.find('/', start == std::string::npos ? 0 : start + 3);
  if (start == std::string::npos) return req.method + " /";
  const auto end = req.url.find('?', start);
  return req.method + " " + req.url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

connectors::job_context offline_job(std::string source,
                                    std::vector<std::pair<std::string, std::string>> credentials) {
  connectors::job_context job;
  job.job = "job";
  job.account = "acct";
  job.source = std::move(source);
  job.endpoint = "http://127.0.0.1:9/";
  job.start_date = "2024-01-01T00:00:00Z";
  job.credentials = std::move(credentials);
  job.settings = json::object();
  return job;
}

fake_session::fake_session(connectors::job_context job, responder respond)
    : job_(std::move(job)), respond(std::move(respond)) {}

result<http::response> fake_session::exchange(const http::request& req) {
  requests.push_back(req);
  if (!respond) return make_error(error_kind::fatal, "fake: no responder for " + request_key(req));
  auto got = respond(req);
  if (!got) return got;
  // As http::client classifies a status it does not accept.
  const long s = got->status;
  if ((s >= 200 && s < 300) || s == 304 ||
      std::find(req.also_accept.begin(), req.also_accept.end(), s) != req.also_accept.end())
    return got;
  const std::string what = http::describe_request(req) + ": HTTP " + std::to_string(s);
  if (s == 401) return make_error(error_kind::auth_expired, what);
  if (s == 429) return make_error(error_kind::rate_limited, what);
  if (s == 408 || s >= 500) return make_error(error_kind::retriable, what);
  return make_error(error_kind::fatal, what);
}

result<http::response> fake_session::call(const http::request& req, const http::classifier& extra) {
  auto got = exchange(req);
  if (!got) return got;
  if (extra)
    if (auto e = extra(req, *got)) return *e;
  return got;
}

result<http::response> fake_session::download(const http::request& req,
                                              const std::function<bool(std::string_view)>& on_chunk,
                                              const http::classifier& extra) {
  auto got = exchange(req);
  if (!got) return got;
  std::string body = std::move(got->body);
  got->body.clear();
  // As http::stream_with_retries: an envelope in place of the file is held
  // back from on_chunk and classified.
  if (req.envelope_prefix != '\0' && !body.empty() && body.front() == req.envelope_prefix) {
    got->body = body;
    if (extra)
      if (auto e = extra(req, *got)) return *e;
    return make_error(error_kind::bad_payload, http::describe_request(req) + ": expected a file");
  }
  if (req.range && !ignore_range) {
    body = body.substr(static_cast<std::size_t>(req.range->first));
    got->status = 206;
  }
  std::size_t sent = 0;
  for (std::size_t at = 0; at < body.size(); at += chunk_size) {
    const auto piece = std::string_view(body).substr(at, chunk_size);
    if (fail_after_bytes >= 0 && sent + piece.size() > static_cast<std::size_t>(fail_after_bytes)) {
      fail_after_bytes = -1;  // once
      return make_error(error_kind::retriable, http::describe_request(req) + ": connection reset");
    }
    sent += piece.size();
    if (!on_chunk(piece)) return make_error(error_kind::cancelled, http::describe_request(req) + ": aborted");
  }
  if (extra)
    if (auto e = extra(req, *got)) return *e;
  return got;
}

status fake_session::emit(std::string_view stream, const json& record) {
  emitted.push_back({std::string(stream), record, false});
  return {};
}

status fake_session::tombstone(std::string_view stream, const json& key_record) {
  emitted.push_back({std::string(stream), key_record, true});
  return {};
}

status fake_session::checkpoint(const json& bookmark) {
  checkpoints.push_back(bookmark);
  emitted_at.push_back(emitted.size());
  return {};
}

status fake_session::store_credential(std::string_view name, const std::string& value) {
  if (on_store)
    if (auto st = on_store(name, value); !st) return st;
  if (job_.credential_file(name) == nullptr) return {};
  return session::store_credential(name, value);
}

std::vector<json> fake_session::records_of(std::string_view stream) const {
  std::vector<json> out;
  for (const auto& o : emitted)
    if (o.stream == stream && !o.tombstone) out.push_back(o.record);
  return out;
}

std::vector<const http::request*> fake_session::requests_to(std::string_view key) const {
  std::vector<const http::request*> out;
  for (const auto& r : requests)
    if (request_key(r) == key) out.push_back(&r);
  return out;
}

canned_files::canned_files(std::string dir)
    : dir_(std::move(dir)), answers_(std::make_shared<std::map<std::string, std::deque<canned_file>>>()) {}

void canned_files::answer(const std::string& key, std::vector<canned_file> answers) {
  (*answers_)[key] = std::deque<canned_file>(answers.begin(), answers.end());
}

result<http::response> canned_files::operator()(const http::request& req) const {
  const auto key = request_key(req);
  auto it = answers_->find(key);
  if (it == answers_->end() || it->second.empty())
    return make_error(error_kind::fatal, "fake: no recorded answer for " + key);
  const canned_file c = it->second.front();
  if (it->second.size() > 1) it->second.pop_front();
  std::ifstream in(dir_ + "/" + c.file, std::ios::binary);
  EXPECT_TRUE(in.good()) << dir_ << "/" << c.file;
  std::ostringstream body;
  body << in.rdbuf();
  http::response res;
  res.status = c.status;
  res.body = body.str();
  return res;
}

responder over_http(http::client_options options) {
  // std::function copies its target: the client (one connection cache) is shared.
  return [client = std::make_shared<http::client>(std::move(options))](const http::request& req) {
    return client->send(req);
  };
}

} // namespace quarry::testing
