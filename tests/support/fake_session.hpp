#pragma once

// The one connectors::session double of the unit tests: it records what a
// connector does and answers its calls through a responder, so a test drives
// a connector's plan() and run() without the engine, actors or Kafka.
//
//   connector --call(), download()--> fake_session --> responder: canned files,
//             --emit(), checkpoint()..-> recorded,         a real http::client,
//                                        in order          or a test's script
//
// call() and download() answer as http::client would classify the answer
// (2xx, 304 and request::also_accept are responses; 401 auth_expired, 429
// rate_limited, 408 and 5xx retriable, any other status fatal), then through
// the connector's classifier. There are no retries: one call, one answer,
// one entry in `requests`. download() hands the body to on_chunk in pieces of
// `chunk_size`, honours request::range (unless `ignore_range`, as a server
// may), holds an envelope back as http::stream_with_retries does, and can
// drop the connection once after `fail_after_bytes` bytes.
//
// emit_serialized() is the session's default (parsed, then emit()).
// Not thread-safe: one task runs on one thread, as in the engine.

#include "connectors/core/session.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quarry::testing {

// The other side of the wire: the answer to one request, with the status the
// server sent (the session classifies it), or a transport error.
using responder = std::function<result<http::response>(const http::request&)>;

// "METHOD /path": the request's method and the path of its URL, without the
// query string.
std::string request_key(const http::request& req);

// A job whose endpoint nothing listens on (http://127.0.0.1:9/), for sessions
// answered without a network: job "job", account "acct", start date
// 2024-01-01T00:00:00Z, no settings.
connectors::job_context offline_job(std::string source,
                                    std::vector<std::pair<std::string, std::string>> credentials);

class fake_session final : public connectors::session {
 public:
  fake_session(connectors::job_context job, responder respond);

  // What job() answers; tests may change it between runs.
  connectors::job_context job_;
  responder respond;

  // download()'s transport.
  std::size_t chunk_size = 7;
  std::int64_t fail_after_bytes = -1;  // >= 0: the connection drops once after this many bytes
  bool ignore_range = false;
  // Called first with each store_credential(): a test's log of it, or an
  // injected failure (a failed status is the answer). Then the credential is
  // written to the file job_ names for it (session::store_credential), if any.
  std::function<status(std::string_view name, const std::string& value)> on_store;

  // What the connector did, in order.
  struct output {
    std::string stream;
    nlohmann::json record;  // a tombstone's: its key record
    bool tombstone = false;
  };
  std::vector<http::request> requests;  // every call() and download()
  std::vector<output> emitted;          // records and tombstones
  std::vector<nlohmann::json> checkpoints;
  std::vector<std::size_t> emitted_at;  // emitted.size() at each checkpoint
  std::vector<connectors::task_spec> spawned;
  std::vector<connectors::stream_descriptor> declared;
  std::vector<std::string> warnings;
  std::int64_t usage = -1;  // the last report_usage(), -1 before any

  // The records emitted to `stream`, tombstones left out.
  std::vector<nlohmann::json> records_of(std::string_view stream) const;
  // The requests whose request_key() is `key`.
  std::vector<const http::request*> requests_to(std::string_view key) const;

  const connectors::job_context& job() const override { return job_; }
  result<http::response> call(const http::request& req, const http::classifier& extra) override;
  result<http::response> download(const http::request& req, const std::function<bool(std::string_view)>& on_chunk,
                                  const http::classifier& extra) override;
  status emit(std::string_view stream, const nlohmann::json& record) override;
  status tombstone(std::string_view stream, const nlohmann::json& key_record) override;
  status checkpoint(const nlohmann::json& bookmark) override;
  void spawn(connectors::task_spec child) override { spawned.push_back(std::move(child)); }
  void declare(const connectors::stream_descriptor& stream) override { declared.push_back(stream); }
  void warn(std::string_view message) override { warnings.emplace_back(message); }
  void report_usage(std::int64_t calls_today) override { usage = calls_today; }
  bool cancelled() const override { return false; }
  status store_credential(std::string_view name, const std::string& value) override;

 private:
  // The responder's answer, recorded and classified by status.
  result<http::response> exchange(const http::request& req);
};

// --- responders -------------------------------------------------------------

// One recorded answer: a status and a file of the canned directory as body.
struct canned_file {
  long status = 200;
  std::string file;
};

// Answers from files, by request_key(): each key's answers in order, the last
// one repeating. A key with no answer fails fatal ("no recorded answer for
// KEY"); a file that cannot be read fails the test. Copies share their
// answers, so a test keeps adding to one it has handed to a session.
class canned_files {
 public:
  explicit canned_files(std::string dir);
  void answer(const std::string& key, std::vector<canned_file> answers);
  result<http::response> operator()(const http::request& req) const;

 private:
  std::string dir_;
  std::shared_ptr<std::map<std::string, std::deque<canned_file>>> answers_;
};

// Sends every request with one real http::client (a simulator's answers).
responder over_http(http::client_options options = {});

} // namespace quarry::testing
