// The HTTP client against a real HTTP server (cpp-httplib on 127.0.0.1, an
// ephemeral port): how statuses and transport failures map onto the error
// taxonomy, decoding, size caps, ranges, streaming, the classifier hook, the
// retry loop with its hooks, secrets kept out of messages, connection reuse;
// and the backoff arithmetic.

#include "connectors/core/backoff.hpp"
#include "connectors/core/http_client.hpp"

#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <ctime>
#include <limits>
#include <memory>
#include <random>
#include <mutex>
#include <string>
#include <thread>

namespace quarry::http {
namespace {

using namespace std::chrono_literals;

// Deterministic, incompressible-enough bytes for size and range checks.
std::string pattern_bytes(std::size_t n) {
  std::string out(n, '\0');
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  for (std::size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<char>(x & 0xFF);
  }
  return out;
}

std::string compressible_text() {
  std::string out;
  for (int i = 0; i < 2000; ++i) out += "lead " + std::to_string(i) + ",email,updatedAt\n";
  return out;
}

std::string http_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// A port on 127.0.0.1 that is bound but not listening: connecting to it is
// refused for as long as this object lives (no race with other processes).
class refused_port {
 public:
  refused_port() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      socklen_t len = sizeof addr;
      if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) port_ = ntohs(addr.sin_port);
    }
  }
  ~refused_port() {
    if (fd_ >= 0) ::close(fd_);
  }
  refused_port(const refused_port&) = delete;
  refused_port& operator=(const refused_port&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// One server per test, with every route the cases need. Handlers run on
// httplib's worker threads; what they record is guarded or atomic.
class http_client_test : public ::testing::Test {
 protected:
  void SetUp() override {
    svr_.Get("/hello", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Custom", "Yes");
      res.set_content("hello world", "text/plain");
    });
    svr_.Get(R"(/status/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      res.status = std::stoi(req.matches[1]);
      if (req.has_param("retry_after")) res.set_header("Retry-After", req.get_param_value("retry_after"));
      const std::size_t body_size =
          req.has_param("body_size") ? std::stoul(req.get_param_value("body_size")) : 0;
      res.set_content(body_size > 0 ? std::string(body_size, 'x') : "status " + std::string(req.matches[1]),
                      "text/plain");
    });
    svr_.Get("/retry-after-date", [](const httplib::Request&, httplib::Response& res) {
      res.status = 429;
      res.set_header("Retry-After", http_date(std::time(nullptr) + 120));
    });
    svr_.Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
      // Held until the test releases it (or 10 s pass, so that a failing
      // test cannot hang the server's shutdown).
      std::unique_lock lock(slow_mutex_);
      slow_cv_.wait_for(lock, 10s, [this] { return slow_released_; });
      res.set_content("late", "text/plain");
    });
    svr_.Get("/text", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(seen_mutex_);
        seen_accept_encoding_ = req.get_header_value("Accept-Encoding");
      }
      res.set_content(compressible_text(), "text/plain");
    });
    svr_.Get(R"(/bytes/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      // httplib answers a Range request from this body with 206 itself.
      res.set_content(pattern_bytes(std::stoul(req.matches[1])), "application/octet-stream");
    });
    svr_.Get(R"(/chunked/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      const auto data = std::make_shared<std::string>(pattern_bytes(std::stoul(req.matches[1])));
      res.set_chunked_content_provider(
          "application/octet-stream", [data](std::size_t offset, httplib::DataSink& sink) {
            const std::size_t n = std::min<std::size_t>(64 * 1024, data->size() - offset);
            sink.write(data->data() + offset, n);
            if (offset + n == data->size()) sink.done();
            return true;
          });
    });
    svr_.Get("/marketo", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"success":false,"errors":[{"code":"606","message":"Max rate limit exceeded"}]})",
                      "application/json");
    });
    svr_.Get("/export-file", [this](const httplib::Request&, httplib::Response& res) {
      const int n = ++file_attempts_;
      if (n <= file_envelopes_) {
        // Marketo's HTTP-200 answers: 606 (window), then 615 (concurrency).
        res.set_content(n % 2 ? R"({"success":false,"errors":[{"code":"606","message":"Max rate limit"}]})"
                              : R"({"success":false,"errors":[{"code":"615","message":"Concurrent access"}]})",
                        "application/json");
      } else {
        res.set_content("id,email\n1,a@x.test\n", "text/csv");
      }
    });
    svr_.Get("/flaky", [this](const httplib::Request&, httplib::Response& res) {
      const int n = ++flaky_attempts_;
      if (n <= flaky_failures_) {
        res.status = flaky_status_;
        if (flaky_status_ == 429) res.set_header("Retry-After", "0");
        res.set_content("try again", "text/plain");
      } else {
        res.set_content("finally", "text/plain");
      }
    });
    const auto echo = [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.method + " " + req.body, "text/plain");
    };
    svr_.Get("/echo", echo);
    svr_.Post("/echo", echo);
    svr_.Put("/echo", echo);
    svr_.Delete("/echo", echo);
    svr_.Get("/peer", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(std::to_string(req.remote_port), "text/plain");
    });

    // Without it, httplib's separate header and body writes meet the
    // client's delayed ACK: 40 ms per request.
    svr_.set_tcp_nodelay(true);
    port_ = svr_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    server_thread_ = std::thread([this] { svr_.listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!svr_.is_running() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    ASSERT_TRUE(svr_.is_running());
  }

  void TearDown() override {
    release_slow();
    if (server_thread_.joinable()) {
      svr_.stop();
      server_thread_.join();
    }
  }

  void release_slow() {
    {
      std::lock_guard lock(slow_mutex_);
      slow_released_ = true;
    }
    slow_cv_.notify_all();
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  request get(const std::string& path) const {
    request r;
    r.url = url(path);
    return r;
  }

  static backoff_policy fast_policy(int attempts) {
    return backoff_policy{.max_attempts = attempts, .base = 1ms, .cap = 4ms};
  }

  httplib::Server svr_;
  int port_ = 0;
  std::thread server_thread_;

  std::mutex slow_mutex_;
  std::condition_variable slow_cv_;
  bool slow_released_ = false;

  std::mutex seen_mutex_;
  std::string seen_accept_encoding_;

  std::atomic<int> flaky_attempts_{0};
  int flaky_failures_ = 0;  // set before the first request
  int flaky_status_ = 500;
  std::atomic<int> file_attempts_{0};
  int file_envelopes_ = 0;  // set before the first request
};

// --- one attempt: statuses ---------------------------------------------------

TEST(http_basic_authorization, encodes_user_and_password_as_rfc_7617_does) {
  EXPECT_EQ(http::basic_authorization("Aladdin:open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(http::basic_authorization("a:b"), "Basic YTpi");
  EXPECT_EQ(http::basic_authorization("ab:c"), "Basic YWI6Yw==");
  EXPECT_EQ(http::basic_authorization("u:\xC3\xA9"), "Basic dTrDqQ==");
}

TEST_F(http_client_test, returns_the_body_status_and_lower_cased_headers_of_a_200) {
  client c;
  auto r = c.send(get("/hello"));
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");
  EXPECT_EQ(r->header("x-custom"), "Yes");
  EXPECT_EQ(r->header("content-type"), "text/plain");
  EXPECT_EQ(r->header("x-absent"), std::nullopt);
  EXPECT_GT(r->elapsed_s, 0.0);
}

TEST_F(http_client_test, classifies_http_statuses_into_the_error_taxonomy) {
  struct row {
    std::string path;
    error_kind kind;
    double retry_after_s;
  };
  const row rows[] = {
      {"/status/429?retry_after=2", error_kind::rate_limited, 2},
      {"/status/429", error_kind::rate_limited, -1},
      {"/status/401", error_kind::auth_expired, -1},
      {"/status/403", error_kind::fatal, -1},
      {"/status/404", error_kind::fatal, -1},
      {"/status/400", error_kind::fatal, -1},
      {"/status/422", error_kind::fatal, -1},
      {"/status/302", error_kind::fatal, -1},
      {"/status/408", error_kind::retriable, -1},
      {"/status/500", error_kind::retriable, -1},
      {"/status/502", error_kind::retriable, -1},
      {"/status/503", error_kind::retriable, -1},
      {"/status/503?retry_after=7", error_kind::retriable, 7},
  };
  client c;
  for (const row& x : rows) {
    SCOPED_TRACE(x.path);
    auto r = c.send(get(x.path));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, x.kind) << r.error().describe();
    EXPECT_DOUBLE_EQ(r.error().retry_after_s, x.retry_after_s);
    const std::string code = x.path.substr(8, 3);
    // Names the request (path, no query) and the status.
    EXPECT_NE(r.error().message.find("GET /status/" + code), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("HTTP " + code), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("retry_after="), std::string::npos) << r.error().message;
  }
}

TEST_F(http_client_test, reads_retry_after_given_as_an_http_date) {
  client c;
  auto r = c.send(get("/retry-after-date"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, error_kind::rate_limited);
  EXPECT_GT(r.error().retry_after_s, 100);
  EXPECT_LE(r.error().retry_after_s, 121);
}

TEST_F(http_client_test, quotes_at_most_200_bytes_of_an_error_body) {
  client c;
  auto r = c.send(get("/status/500?body_size=5000"));
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message;
  const std::size_t xs = std::count(m.begin(), m.end(), 'x');
  EXPECT_EQ(xs, 200u) << m;
  EXPECT_LT(m.size(), 300u);
}

TEST_F(http_client_test, sends_method_and_body) {
  const std::string methods[] = {"GET", "POST", "PUT", "DELETE"};
  client c;
  for (const std::string& m : methods) {
    SCOPED_TRACE(m);
    request r = get("/echo");
    r.method = m;
    if (m != "GET" && m != "DELETE") {
      r.body = R"({"name":"q"})";
      r.headers = {{"Content-Type", "application/json"}};
    }
    auto out = c.send(r);
    ASSERT_TRUE(out.ok()) << out.error().describe();
    EXPECT_EQ(out->body, m + " " + r.body);
  }
}

TEST_F(http_client_test, rejects_header_injection_as_fatal) {
  client c;
  request r = get("/hello");
  r.headers = {{"X-Evil", "a\r\nX-Injected: b"}};
  auto out = c.send(r);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, error_kind::fatal);
}

// --- one attempt: transport ---------------------------------------------------

TEST_F(http_client_test, connection_refused_is_retriable_and_names_the_request) {
  refused_port closed;
  ASSERT_GT(closed.port(), 0);
  client c;
  request r;
  r.url = "http://127.0.0.1:" + std::to_string(closed.port()) + "/rest/v1/leads.json";
  auto out = c.send(r);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, error_kind::retriable);
  EXPECT_NE(out.error().message.find("GET /rest/v1/leads.json"), std::string::npos) << out.error().message;
  // curl's own text, e.g. "Failed to connect to 127.0.0.1 port 41234 ...".
  EXPECT_NE(out.error().message.find("connect"), std::string::npos) << out.error().message;
}

TEST_F(http_client_test, total_timeout_is_retriable) {
  client c(client_options{.total_timeout = 300ms});
  const auto started = std::chrono::steady_clock::now();
  auto out = c.send(get("/slow"));
  const auto took = std::chrono::steady_clock::now() - started;
  release_slow();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, error_kind::retriable);
  EXPECT_NE(out.error().message.find("GET /slow"), std::string::npos) << out.error().message;
  EXPECT_NE(out.error().message.find("timed out"), std::string::npos) << out.error().message;
  EXPECT_GE(took, 250ms);  // curl's timer is coarse by a few ms
  EXPECT_LT(took, 5s);  // the handler holds the answer for 10 s
}

// --- bodies ---------------------------------------------------------------------

TEST_F(http_client_test, decodes_compressed_responses) {
  struct row {
    std::string name;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string expected_encoding;  // empty: whichever the server chose
  };
  const row rows[] = {
      {"gzip only", {{"Accept-Encoding", "gzip"}}, "gzip"},
      {"curl's default list", {}, ""},
  };
  client c;
  for (const row& x : rows) {
    SCOPED_TRACE(x.name);
    request r = get("/text");
    r.headers = x.headers;
    auto out = c.send(r);
    ASSERT_TRUE(out.ok()) << out.error().describe();
    EXPECT_EQ(out->body, compressible_text());
    const auto encoding = out->header("content-encoding");
    ASSERT_TRUE(encoding.has_value());
    if (!x.expected_encoding.empty()) {
      EXPECT_EQ(*encoding, x.expected_encoding);
    }
    std::lock_guard lock(seen_mutex_);
    EXPECT_NE(seen_accept_encoding_.find(encoding.value_or("?")), std::string::npos)
        << seen_accept_encoding_;
  }
}

TEST_F(http_client_test, body_over_the_cap_is_bad_payload_naming_the_cap) {
  client c(client_options{.max_response_bytes = 1024});
  auto out = c.send(get("/bytes/4096"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, error_kind::bad_payload);
  EXPECT_NE(out.error().message.find("1024"), std::string::npos) << out.error().message;
  EXPECT_NE(out.error().message.find("GET /bytes/4096"), std::string::npos) << out.error().message;

  auto fits = c.send(get("/bytes/1024"));
  ASSERT_TRUE(fits.ok()) << fits.error().describe();
  EXPECT_EQ(fits->body.size(), 1024u);
}

TEST_F(http_client_test, range_requests_get_the_right_bytes_and_206) {
  struct row {
    std::int64_t first, last;
    std::size_t offset, length;
  };
  const row rows[] = {{0, 0, 0, 1}, {10, 19, 10, 10}, {1000, -1, 1000, 24}};
  const std::string all = pattern_bytes(1024);
  client c;
  for (const row& x : rows) {
    SCOPED_TRACE(std::to_string(x.first) + "-" + std::to_string(x.last));
    request r = get("/bytes/1024");
    r.range = {x.first, x.last};
    auto out = c.send(r);
    ASSERT_TRUE(out.ok()) << out.error().describe();
    EXPECT_EQ(out->status, 206);
    EXPECT_EQ(out->body, all.substr(x.offset, x.length));
  }
}

TEST_F(http_client_test, streams_a_large_body_in_chunks_without_the_cap) {
  constexpr std::size_t size = 5 * 1024 * 1024;
  // The cap is far below the body: stream() does not buffer.
  client c(client_options{.max_response_bytes = 64 * 1024});
  std::string received;
  int chunks = 0;
  auto out = c.stream(get("/chunked/" + std::to_string(size)), [&](std::string_view piece) {
    ++chunks;
    received.append(piece);
    return true;
  });
  ASSERT_TRUE(out.ok()) << out.error().describe();
  EXPECT_EQ(out->status, 200);
  EXPECT_TRUE(out->body.empty());
  EXPECT_GT(chunks, 1);
  EXPECT_EQ(received.size(), size);
  EXPECT_TRUE(received == pattern_bytes(size));
}

TEST_F(http_client_test, stream_aborted_by_the_receiver_is_cancelled) {
  client c;
  std::size_t received = 0;
  auto out = c.stream(get("/chunked/1048576"), [&](std::string_view piece) {
    received += piece.size();
    return false;
  });
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, error_kind::cancelled);
  EXPECT_LT(received, 1048576u);
  // The handle is still usable afterwards.
  auto next = c.send(get("/hello"));
  ASSERT_TRUE(next.ok()) << next.error().describe();
}

TEST_F(http_client_test, stream_of_an_error_status_keeps_the_body_from_the_receiver) {
  client c;
  int chunks = 0;
  auto out = c.stream(get("/status/503?retry_after=3"), [&](std::string_view) {
    ++chunks;
    return true;
  });
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, error_kind::retriable);
  EXPECT_DOUBLE_EQ(out.error().retry_after_s, 3);
  EXPECT_NE(out.error().message.find("status 503"), std::string::npos) << out.error().message;
  EXPECT_EQ(chunks, 0);
}

// --- classifier hook ------------------------------------------------------------

TEST_F(http_client_test, classifier_turns_a_200_into_rate_limited) {
  const classifier marketo = [](const request&, const response& res) -> std::optional<error> {
    if (res.body.find(R"("code":"606")") != std::string::npos) {
      return error{error_kind::rate_limited, "Marketo 606: max rate limit exceeded", 20};
    }
    return std::nullopt;
  };
  client c;
  auto out = c.send(get("/marketo"), marketo);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, error_kind::rate_limited);
  EXPECT_DOUBLE_EQ(out.error().retry_after_s, 20);

  auto accepted = c.send(get("/hello"), marketo);
  ASSERT_TRUE(accepted.ok()) << accepted.error().describe();
  EXPECT_EQ(accepted->body, "hello world");
}

TEST_F(http_client_test, also_accept_hands_an_error_status_to_the_classifier) {
  int seen_status = 0;
  const classifier soap = [&](const request&, const response& res) -> std::optional<error> {
    seen_status = static_cast<int>(res.status);
    return error{error_kind::auth_expired, "fault 103", -1};
  };
  client c;
  request r = get("/status/500");
  auto plain = c.send(r, soap);
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().kind, error_kind::retriable);  // not accepted: default mapping
  EXPECT_EQ(seen_status, 0);

  r.also_accept = {500};
  auto read = c.send(r, soap);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(seen_status, 500);
  EXPECT_EQ(read.error().kind, error_kind::auth_expired);

  auto passed = c.send(r);  // no classifier: the 500 is the response
  ASSERT_TRUE(passed.ok()) << passed.error().describe();
  EXPECT_EQ(passed->status, 500);
}

TEST_F(http_client_test, a_request_cap_below_the_clients_applies_to_that_request) {
  client c;
  request r = get("/bytes/4096");
  r.max_response_bytes = 1000;
  auto out = c.send(r);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, error_kind::bad_payload);
  EXPECT_NE(out.error().message.find("1000"), std::string::npos) << out.error().message;
  r.max_response_bytes = 4096;
  EXPECT_TRUE(c.send(r).ok());
}

// --- send_with_retries ----------------------------------------------------------

struct hook_counts {
  int before = 0;
  int after = 0;
  retry_hooks hooks() {
    return retry_hooks{
        .before_attempt = [this]() -> status { ++before; return {}; },
        .after_attempt = [this](const result<response>&) { ++after; },
        .cancelled = {},
    };
  }
};

TEST_F(http_client_test, retries_succeed_after_two_server_errors) {
  flaky_failures_ = 2;
  client c;
  hook_counts counts;
  auto out = send_with_retries(c, get("/flaky"), fast_policy(5), {}, counts.hooks());
  ASSERT_TRUE(out.ok()) << out.error().describe();
  EXPECT_EQ(out->body, "finally");
  EXPECT_EQ(flaky_attempts_.load(), 3);
  EXPECT_EQ(counts.before, 3);
  EXPECT_EQ(counts.after, 3);
}

TEST_F(http_client_test, retries_rate_limited_honouring_retry_after) {
  flaky_failures_ = 1;
  flaky_status_ = 429;  // with Retry-After: 0
  client c;
  auto out = send_with_retries(c, get("/flaky"), fast_policy(3));
  ASSERT_TRUE(out.ok()) << out.error().describe();
  EXPECT_EQ(flaky_attempts_.load(), 2);
}

TEST_F(http_client_test, retries_give_up_after_max_attempts) {
  flaky_failures_ = 1000;
  client c;
  hook_counts counts;
  auto out = send_with_retries(c, get("/flaky"), fast_policy(4), {}, counts.hooks());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, error_kind::retriable);
  EXPECT_NE(out.error().message.find("4 attempts"), std::string::npos) << out.error().message;
  EXPECT_EQ(flaky_attempts_.load(), 4);
  EXPECT_EQ(counts.before, 4);
  EXPECT_EQ(counts.after, 4);
}

TEST_F(http_client_test, no_retries_for_non_retriable_kinds) {
  const std::string paths[] = {"/status/404", "/status/401", "/status/403"};
  client c;
  for (const std::string& p : paths) {
    SCOPED_TRACE(p);
    hook_counts counts;
    auto out = send_with_retries(c, get(p), fast_policy(5), {}, counts.hooks());
    ASSERT_FALSE(out.ok());
    EXPECT_FALSE(out.error().retriable());
    EXPECT_EQ(counts.before, 1);
    EXPECT_EQ(counts.after, 1);
  }
}

TEST_F(http_client_test, cancelled_predicate_stops_the_retries) {
  flaky_failures_ = 1000;
  client c;
  hook_counts counts;
  retry_hooks hooks = counts.hooks();
  hooks.cancelled = [&] { return counts.after >= 1; };
  auto out = send_with_retries(c, get("/flaky"), fast_policy(5), {}, hooks);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, error_kind::cancelled);
  EXPECT_EQ(flaky_attempts_.load(), 1);
}

TEST_F(http_client_test, before_attempt_failure_stops_without_sending) {
  client c;
  int after = 0;
  retry_hooks hooks{
      .before_attempt = []() -> status {
        return make_error(error_kind::quota_exhausted, "daily quota spent");
      },
      .after_attempt = [&](const result<response>&) { ++after; },
      .cancelled = {},
  };
  auto out = send_with_retries(c, get("/flaky"), fast_policy(5), {}, hooks);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, error_kind::quota_exhausted);
  EXPECT_EQ(flaky_attempts_.load(), 0);
  EXPECT_EQ(after, 0);
}

// --- secrets ------------------------------------------------------------------------

TEST_F(http_client_test, errors_never_carry_the_query_string) {
  refused_port closed;
  client c(client_options{.total_timeout = 300ms});
  const std::string refused_url =
      "http://user:PASSWORD@127.0.0.1:" + std::to_string(closed.port()) + "/rest/v1/leads.json?token=SECRET";
  const std::string urls[] = {
      refused_url,
      url("/status/404?token=SECRET"),
      url("/status/503?access_token=SECRET&x=1"),
      url("/slow?token=SECRET"),
  };
  for (const std::string& u : urls) {
    request r;
    r.url = u;
    SCOPED_TRACE(describe_request(r));
    auto out = c.send(r);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().message.find("SECRET"), std::string::npos) << out.error().message;
    EXPECT_EQ(out.error().message.find("PASSWORD"), std::string::npos) << out.error().message;
    EXPECT_EQ(out.error().message.find("token="), std::string::npos) << out.error().message;
  }
}

TEST(describe_request, names_method_and_path_only) {
  struct row {
    std::string method, url, describe, expected;
  };
  const row rows[] = {
      {"GET", "https://123-abc.mktorest.com/rest/v1/leads.json?access_token=T&x=1", "",
       "GET /rest/v1/leads.json"},
      {"POST", "https://u:p@api.example.com/v3/contacts#frag", "", "POST /v3/contacts"},
      {"GET", "https://api.example.com?key=K", "", "GET /"},
      {"GET", "https://api.example.com", "", "GET /"},
      {"DELETE", "https://x/a?b", "delete lead 7", "delete lead 7"},
  };
  for (const row& x : rows) {
    request r;
    r.method = x.method;
    r.url = x.url;
    r.describe = x.describe;
    EXPECT_EQ(describe_request(r), x.expected) << x.url;
  }
}

// --- connection reuse --------------------------------------------------------------

TEST_F(http_client_test, sequential_requests_reuse_one_connection) {
  client c;
  auto first = c.send(get("/peer"));
  auto second = c.send(get("/peer"));
  auto third = c.send(get("/hello"));
  auto fourth = c.send(get("/peer"));
  ASSERT_TRUE(first.ok()) << first.error().describe();
  ASSERT_TRUE(second.ok()) << second.error().describe();
  ASSERT_TRUE(third.ok()) << third.error().describe();
  ASSERT_TRUE(fourth.ok()) << fourth.error().describe();
  EXPECT_EQ(first->body, second->body);
  EXPECT_EQ(first->body, fourth->body);

  // A second client is a second connection.
  client other;
  auto elsewhere = other.send(get("/peer"));
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.error().describe();
  EXPECT_NE(elsewhere->body, first->body);
}

// --- backoff ---------------------------------------------------------------------------

TEST(backoff, full_jitter_stays_within_the_exponential_window) {
  const backoff_policy p{.max_attempts = 10, .base = 250ms, .cap = 30'000ms};
  std::mt19937_64 rng(42);
  for (int attempt = 1; attempt <= 12; ++attempt) {
    const std::int64_t window = std::min<std::int64_t>(30'000, 250ll << (attempt - 1));
    std::int64_t lo = window, hi = 0;
    for (int i = 0; i < 2000; ++i) {
      const auto d = backoff_delay(p, attempt, rng).count();
      ASSERT_GE(d, 0);
      ASSERT_LE(d, window);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    SCOPED_TRACE(attempt);
    // Spread over the whole window, not bunched at one end.
    EXPECT_LT(lo, window / 10);
    EXPECT_GT(hi, window * 9 / 10);
  }
}

TEST(backoff, huge_attempt_numbers_and_odd_policies_do_not_overflow) {
  std::mt19937_64 rng(7);
  const backoff_policy p{};
  for (int attempt : {0, -3, 63, 64, 1000, std::numeric_limits<int>::max()}) {
    const auto d = backoff_delay(p, attempt, rng);
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d, p.cap);
  }
  EXPECT_EQ(backoff_delay(backoff_policy{.base = 0ms}, 5, rng).count(), 0);
  EXPECT_EQ(backoff_delay(backoff_policy{.base = -5ms, .cap = -1ms}, 5, rng).count(), 0);
  EXPECT_LE(backoff_delay(backoff_policy{.base = 90'000ms}, 1, rng), 30'000ms);
}

TEST(backoff, retry_after_is_honoured_up_to_its_limit) {
  std::mt19937_64 rng(1);
  const backoff_policy p{.max_attempts = 5, .base = 250ms, .cap = 30'000ms};
  for (int i = 0; i < 500; ++i) {
    EXPECT_GE(retry_delay(p, 1, 2.0, rng), 2000ms);
    EXPECT_LE(retry_delay(p, 1, 2.0, rng), 2000ms);  // window 250 ms < 2 s
    EXPECT_GE(retry_delay(p, 1, 0.0015, rng), 2ms);
    const auto big = retry_delay(p, 8, 120.0, rng);  // above cap: Retry-After wins
    EXPECT_EQ(big, 120'000ms);
    EXPECT_EQ(retry_delay(p, 1, 86'400.0, rng), p.max_retry_after);
    const auto none = retry_delay(p, 3, -1, rng);
    EXPECT_GE(none.count(), 0);
    EXPECT_LE(none, 1000ms);
    EXPECT_LE(retry_delay(p, 3, std::nan(""), rng), 1000ms);
  }
}


// --- one wait policy for every request kind ---------------------------------------

TEST_F(http_client_test, rate_limited_answers_do_not_use_up_attempts) {
  flaky_failures_ = 6;
  flaky_status_ = 429;  // with Retry-After: 0
  client c;
  hook_counts counts;
  auto out = send_with_retries(c, get("/flaky"), fast_policy(2), {}, counts.hooks());
  ASSERT_TRUE(out.ok()) << out.error().describe();
  EXPECT_EQ(flaky_attempts_.load(), 7);
  EXPECT_EQ(counts.before, 7);
}

TEST_F(http_client_test, rate_limited_waits_are_bounded_in_total) {
  flaky_failures_ = 1000;
  flaky_status_ = 429;
  client c;
  auto policy = fast_policy(5);
  policy.max_rate_limited_wait = 20ms;  // backoff of at most 4 ms a wait
  auto out = send_with_retries(c, get("/flaky"), policy);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, error_kind::rate_limited);
  EXPECT_NE(out.error().message.find("still rate limited"), std::string::npos) << out.error().message;
  EXPECT_GE(flaky_attempts_.load(), 5);  // at least 20 ms / 4 ms waits
}

const classifier marketo_envelopes = [](const request&, const response& res) -> std::optional<error> {
  if (res.body.find("\"606\"") != std::string::npos || res.body.find("\"615\"") != std::string::npos) {
    auto e = make_error(error_kind::rate_limited, "marketo: " + res.body.substr(0, 40));
    e.retry_after_s = 0;
    return e;
  }
  return std::nullopt;
};

TEST_F(http_client_test, a_download_waits_out_rate_limit_envelopes_and_delivers_only_the_file) {
  file_envelopes_ = 6;
  client c;
  hook_counts counts;
  request r = get("/export-file");
  r.envelope_prefix = '{';
  std::string received;
  auto out = stream_with_retries(
      c, r, [&](std::string_view chunk) { received.append(chunk); return true; }, fast_policy(2),
      marketo_envelopes, counts.hooks());
  ASSERT_TRUE(out.ok()) << out.error().describe();
  EXPECT_EQ(received, "id,email\n1,a@x.test\n");
  EXPECT_EQ(file_attempts_.load(), 7);
  EXPECT_EQ(counts.before, 7);
  EXPECT_EQ(counts.after, 7);
}

TEST_F(http_client_test, a_download_answered_by_an_accepted_envelope_is_bad_payload) {
  client c;
  request r = get("/marketo");  // a 606 envelope, but no classifier reads it
  r.envelope_prefix = '{';
  std::string received;
  auto out = stream_with_retries(c, r, [&](std::string_view chunk) { received.append(chunk); return true; },
                                 fast_policy(3));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, error_kind::bad_payload);
  EXPECT_NE(out.error().message.find("expected a file"), std::string::npos) << out.error().message;
  EXPECT_TRUE(received.empty());
}

TEST_F(http_client_test, a_download_retries_server_errors_that_came_before_any_byte) {
  flaky_failures_ = 2;
  client c;
  std::string received;
  auto out = stream_with_retries(c, get("/flaky"), [&](std::string_view chunk) { received.append(chunk); return true; },
                                 fast_policy(3));
  ASSERT_TRUE(out.ok()) << out.error().describe();
  EXPECT_EQ(received, "finally");
  EXPECT_EQ(flaky_attempts_.load(), 3);
}

}  // namespace
}  // namespace quarry::http
