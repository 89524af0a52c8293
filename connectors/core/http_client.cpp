#include "connectors/core/http_client.hpp"

#include "connectors/core/backoff.hpp"
#include "connectors/core/rate_limit.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

namespace quarry::http {

std::string url_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}


namespace {

// ---------------------------------------------------------------------------
// Process-wide curl initialisation: once, before the first easy handle.

CURLcode global_init_once() {
  static std::once_flag once;
  static CURLcode status = CURLE_OK;
  std::call_once(once, [] { status = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return status;
}

struct slist_free {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using slist_ptr = std::unique_ptr<curl_slist, slist_free>;

constexpr std::size_t excerpt_bytes = 200;
// What client::stream keeps of an error response's body for its message.
constexpr std::size_t error_body_keep = 4096;

// ---------------------------------------------------------------------------
// Small text helpers.

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

bool is_method_token(std::string_view m) {
  return !m.empty() && std::all_of(m.begin(), m.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
  });
}

// At most excerpt_bytes of `body`, cut on a UTF-8 boundary, control
// characters blanked so that the message stays on one line.
std::string excerpt(std::string_view body) {
  std::size_t n = std::min(body.size(), excerpt_bytes);
  while (n > 0 && n < body.size() &&
         (static_cast<unsigned char>(body[n]) & 0xC0) == 0x80) {
    --n;
  }
  std::string out(body.substr(0, n));
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = ' ';
  }
  if (n < body.size()) out += "...";
  return out;
}

void replace_all(std::string& text, std::string_view secret, std::string_view with) {
  if (secret.empty()) return;
  for (std::size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + with.size())) {
    text.replace(at, secret.size(), with);
  }
}

// Removes from `message` anything of `url` that may carry a credential: the
// URL itself, its user-info and its query string. Belt and braces: messages
// are built from `describe`, but curl's error text and a server's error body
// are foreign.
std::string redact(std::string message, std::string_view url) {
  replace_all(message, url, "<url>");
  const std::size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    std::string_view rest = url.substr(scheme + 3);
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    const std::size_t at = authority.rfind('@');
    if (at != std::string_view::npos) replace_all(message, authority.substr(0, at), "<redacted>");
  }
  const std::size_t q = url.find('?');
  if (q != std::string_view::npos) {
    std::string_view query = url.substr(q + 1);
    query = query.substr(0, query.find('#'));
    replace_all(message, query, "<redacted>");
  }
  return message;
}

// Retry-After: delta-seconds or an HTTP-date. -1 when absent or unreadable.
double parse_retry_after(const response& resp) {
  const std::optional<std::string> value = resp.header("retry-after");
  if (!value) return -1;
  const std::string_view v = trim(*value);
  if (v.empty()) return -1;
  if (std::isdigit(static_cast<unsigned char>(v.front()))) {
    double seconds = -1;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
    if (ec != std::errc{} || end != v.data() + v.size() || !std::isfinite(seconds)) return -1;
    return std::max(0.0, seconds);
  }
  const std::string date(v);
  const time_t when = curl_getdate(date.c_str(), nullptr);
  if (when == -1) return -1;
  return std::max(0.0, std::difftime(when, std::time(nullptr)));
}

bool accepted_status(long status, const std::vector<long>& also_accept) {
  if ((status >= 200 && status < 300) || status == 304) return true;
  return std::find(also_accept.begin(), also_accept.end(), status) != also_accept.end();
}

// ---------------------------------------------------------------------------
// The state of one transfer, shared with curl's callbacks.

struct transfer {
  response* resp = nullptr;
  // send: the whole body, up to `cap`.
  std::size_t cap = 0;
  bool over_cap = false;
  // stream: accepted bodies go to `sink`; error bodies to error_body.
  const chunk_sink* sink = nullptr;
  bool sink_declined = false;
  std::string error_body;
  const std::vector<long>* also_accept = nullptr;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<transfer*>(user);
  const size_t total = size * count;
  const std::string_view line = trim(std::string_view(data, total));
  if (line.empty()) return total;
  if (line.starts_with("HTTP/")) {
    // A new status line: a 100 Continue (or a proxy's answer) came before.
    t.resp->headers.clear();
    t.resp->status = 0;
    const std::size_t sp = line.find(' ');
    if (sp != std::string_view::npos) {
      long status = 0;
      const std::string_view code = line.substr(sp + 1);
      std::from_chars(code.data(), code.data() + code.size(), status);
      t.resp->status = status;
    }
    return total;
  }
  if (std::string_view(data, total).front() == ' ' || std::string_view(data, total).front() == '\t') {
    // Obsolete line folding: continues the previous header's value.
    if (!t.resp->headers.empty()) {
      t.resp->headers.back().second += ' ';
      t.resp->headers.back().second += line;
    }
    return total;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return total;
  t.resp->headers.emplace_back(lower(trim(line.substr(0, colon))),
                               std::string(trim(line.substr(colon + 1))));
  return total;
}

size_t on_body_buffered(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<transfer*>(user);
  const size_t total = size * count;
  if (total > t.cap - std::min(t.cap, t.resp->body.size())) {
    t.over_cap = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t.resp->body.append(data, total);
  return total;
}

size_t on_body_streamed(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<transfer*>(user);
  const size_t total = size * count;
  if (total == 0) return 0;
  if (!accepted_status(t.resp->status, *t.also_accept)) {
    const size_t room = error_body_keep - std::min(error_body_keep, t.error_body.size());
    t.error_body.append(data, std::min(room, total));
    return total;
  }
  if (!(*t.sink)(std::string_view(data, total))) {
    t.sink_declined = true;
    return 0;
  }
  return total;
}

// ---------------------------------------------------------------------------
// Classification.

error_kind curl_error_kind(CURLcode code) {
  switch (code) {
    // Configuration or programming errors, or a peer we must not trust:
    // retrying cannot help.
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_FAILED_INIT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return error_kind::fatal;
    case CURLE_BAD_CONTENT_ENCODING:
      return error_kind::bad_payload;
    default:
      // Refused, reset, timed out, DNS, TLS handshake, partial body, ...
      return error_kind::retriable;
  }
}

// The error for a completed exchange whose status is not accepted.
quarry::error status_error(const std::string& what, const response& resp,
                           std::string_view body) {
  std::string message = what + ": HTTP " + std::to_string(resp.status);
  const long s = resp.status;
  error_kind kind = error_kind::fatal;
  double retry_after = -1;
  if (s == 429) {
    kind = error_kind::rate_limited;
    retry_after = parse_retry_after(resp);
    // Kustomer names the end of the window in x-ratelimit-reset instead.
    if (const auto reset = resp.header("x-ratelimit-reset"); retry_after < 0 && reset)
      retry_after = reset_in_seconds(*reset, std::chrono::system_clock::now()).value_or(-1);
  } else if (s == 408 || (s >= 500 && s < 600)) {
    kind = error_kind::retriable;
    retry_after = parse_retry_after(resp);
  } else if (s == 401) {
    kind = error_kind::auth_expired;
  } else if (s >= 300 && s < 400) {
    message += " (redirects are not followed)";
  }
  if (!body.empty()) {
    message += ": ";
    message += excerpt(body);
  }
  return quarry::error{kind, std::move(message), retry_after};
}

}  // namespace

// ---------------------------------------------------------------------------

std::string describe_request(const request& r) {
  if (!r.describe.empty()) return r.describe;
  std::string_view rest = r.url;
  const std::size_t scheme = rest.find("://");
  if (scheme != std::string_view::npos) {
    rest.remove_prefix(scheme + 3);
    const std::size_t path = rest.find_first_of("/?#");
    rest.remove_prefix(path == std::string_view::npos ? rest.size() : path);
  }
  std::string_view path = rest.substr(0, rest.find_first_of("?#"));
  std::string out = r.method;
  out += ' ';
  out += path.empty() ? std::string_view("/") : path;
  return out;
}

std::optional<std::string> response::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return std::nullopt;
}

// Owns the easy handle; the handle's connection cache lives as long as it.
struct client::impl {
  client_options options;
  CURL* handle = nullptr;
  CURLcode init_status = CURLE_OK;
  char errbuf[CURL_ERROR_SIZE] = {};

  explicit impl(client_options o) : options(std::move(o)) {
    init_status = global_init_once();
    if (init_status == CURLE_OK) handle = curl_easy_init();
  }
  ~impl() {
    if (handle != nullptr) curl_easy_cleanup(handle);
  }
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  quarry::result<response> perform(const request& r, const chunk_sink* sink);
};

quarry::result<response> client::impl::perform(const request& r, const chunk_sink* sink) {
  const std::string what = describe_request(r);
  const auto fail = [&](error_kind kind, std::string text) {
    return quarry::error{kind, redact(what + ": " + std::move(text), r.url), -1};
  };

  if (handle == nullptr) {
    return fail(error_kind::fatal, std::string("cannot initialise libcurl: ") +
                                       curl_easy_strerror(init_status == CURLE_OK
                                                              ? CURLE_FAILED_INIT
                                                              : init_status));
  }
  if (!is_method_token(r.method)) return fail(error_kind::fatal, "invalid HTTP method");
  if (r.range && (r.range->first < 0 || (r.range->second != -1 && r.range->second < r.range->first))) {
    return fail(error_kind::fatal, "invalid byte range " + std::to_string(r.range->first) + "-" +
                                       std::to_string(r.range->second));
  }

  // Request headers. An empty value is sent as "Name;" (curl would drop
  // "Name:"); "Expect:" suppresses curl's 100-continue round trip.
  slist_ptr header_list;
  bool caller_sets_expect = false;
  const auto add_header = [&](const std::string& line) {
    curl_slist* grown = curl_slist_append(header_list.get(), line.c_str());
    if (grown == nullptr) return false;
    (void)header_list.release();
    header_list.reset(grown);
    return true;
  };
  for (const auto& [name, value] : r.headers) {
    if (name.empty() || has_line_break(name) || has_line_break(value) ||
        name.find(':') != std::string::npos) {
      return fail(error_kind::fatal, "invalid request header name or value");
    }
    if (lower(name) == "expect") caller_sets_expect = true;
    if (!add_header(value.empty() ? name + ";" : name + ": " + value)) {
      return fail(error_kind::retriable, "out of memory building headers");
    }
  }
  if (r.range) {
    std::string line = "Range: bytes=" + std::to_string(r.range->first) + "-";
    if (r.range->second != -1) line += std::to_string(r.range->second);
    if (!add_header(line)) return fail(error_kind::retriable, "out of memory building headers");
  }
  if (!caller_sets_expect && !add_header("Expect:")) {
    return fail(error_kind::retriable, "out of memory building headers");
  }

  // Fresh options for every request; curl_easy_reset keeps the connection
  // cache, DNS cache and TLS session cache.
  CURL* h = handle;
  curl_easy_reset(h);
  errbuf[0] = '\0';
  const auto ms = [](std::chrono::milliseconds d) { return static_cast<long>(std::max<std::chrono::milliseconds::rep>(0, d.count())); };
  const std::chrono::milliseconds total = sink != nullptr ? options.stream_timeout : options.total_timeout;
  long stall_s = 0;
  if (options.stall_timeout.count() > 0) {
    stall_s = std::max<long>(1, static_cast<long>((options.stall_timeout.count() + 999) / 1000));
  }

  response resp;
  transfer t;
  t.resp = &resp;
  t.cap = r.max_response_bytes > 0 ? std::min(r.max_response_bytes, options.max_response_bytes)
                                   : options.max_response_bytes;
  t.sink = sink;
  t.also_accept = &r.also_accept;

  bool set_ok = true;
  const auto set = [&](CURLoption option, auto value) {
    if (curl_easy_setopt(h, option, value) != CURLE_OK) set_ok = false;
  };
  set(CURLOPT_ERRORBUFFER, errbuf);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_ACCEPT_ENCODING, "");
  set(CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
  set(CURLOPT_PROTOCOLS_STR, "http,https");
#else
  set(CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  set(CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  set(CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
  set(CURLOPT_CONNECTTIMEOUT_MS, ms(options.connect_timeout));
  set(CURLOPT_TIMEOUT_MS, ms(total));
  if (stall_s > 0) {
    set(CURLOPT_LOW_SPEED_LIMIT, 1L);
    set(CURLOPT_LOW_SPEED_TIME, stall_s);
  }
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_USERAGENT, options.user_agent.c_str());
  set(CURLOPT_URL, r.url.c_str());

  const bool sends_body = !r.body.empty() || r.method == "POST" || r.method == "PUT" ||
                          r.method == "PATCH";
  if (r.method == "HEAD") {
    set(CURLOPT_NOBODY, 1L);
  } else if (r.method == "GET" && r.body.empty()) {
    set(CURLOPT_HTTPGET, 1L);
  } else if (r.method == "POST") {
    set(CURLOPT_POST, 1L);
  } else {
    set(CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  if (sends_body) {
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    set(CURLOPT_POSTFIELDS, r.body.data());
  }
  set(CURLOPT_HTTPHEADER, header_list.get());

  set(CURLOPT_HEADERFUNCTION, &on_header);
  set(CURLOPT_HEADERDATA, &t);
  if (sink != nullptr) {
    set(CURLOPT_WRITEFUNCTION, &on_body_streamed);
  } else {
    set(CURLOPT_WRITEFUNCTION, &on_body_buffered);
  }
  set(CURLOPT_WRITEDATA, &t);
  if (!set_ok) return fail(error_kind::fatal, "libcurl rejected an option (built without HTTP support?)");

  const auto started = std::chrono::steady_clock::now();
  const CURLcode code = curl_easy_perform(h);
  resp.elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // The pointers set above die with this frame.
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);

  if (code != CURLE_OK) {
    if (t.over_cap) {
      return fail(error_kind::bad_payload,
                  "response body exceeds the cap of " + std::to_string(t.cap) + " bytes");
    }
    if (t.sink_declined) return fail(error_kind::cancelled, "download aborted by the receiver");
    std::string text = errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(code));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    text += " (curl error " + std::to_string(static_cast<int>(code)) + ")";
    return fail(curl_error_kind(code), std::move(text));
  }

  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  resp.status = status;
  if (!accepted_status(status, r.also_accept)) {
    quarry::error err = status_error(what, resp, sink != nullptr ? t.error_body : resp.body);
    err.message = redact(std::move(err.message), r.url);
    return err;
  }
  return resp;
}

client::client(client_options options) : impl_(std::make_unique<impl>(std::move(options))) {}
client::~client() = default;
client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;

const client_options& client::options() const noexcept { return impl_->options; }

quarry::result<response> client::send(const request& r, const classifier& extra) {
  quarry::result<response> out = impl_->perform(r, nullptr);
  if (out.ok() && extra) {
    if (std::optional<quarry::error> err = extra(r, out.value())) {
      err->message = redact(std::move(err->message), r.url);
      return std::move(*err);
    }
  }
  return out;
}

quarry::result<response> client::stream(const request& r, const chunk_sink& on_chunk) {
  if (!on_chunk) {
    return quarry::make_error(error_kind::fatal, describe_request(r) + ": stream without a chunk sink");
  }
  return impl_->perform(r, &on_chunk);
}

// ---------------------------------------------------------------------------

namespace {

// The one retry loop: `attempt_once` makes one attempt and says whether a
// failure may be retried at all (a download that has delivered bytes may
// not). rate_limited answers wait (Retry-After, else backoff) without using
// up an attempt, bounded in total by policy.max_rate_limited_wait.
//
//   [cancelled?] -> before_attempt -> attempt -> after_attempt -> ok? done
//        ^                                                         |
//        +---- sleep (cancellable) <-- rate_limited (wait left) ---+
//        +---- sleep (cancellable) <-- retriable (attempts left) --+
template <class Attempt>
quarry::result<response> retry_loop(const request& r, const backoff_policy& policy, const retry_hooks& hooks,
                                    Attempt&& attempt_once) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const int max_attempts = std::max(1, policy.max_attempts);
  const auto cancelled = [&](int attempts) -> std::optional<quarry::error> {
    if (!hooks.cancelled || !hooks.cancelled()) return std::nullopt;
    return quarry::make_error(error_kind::cancelled,
                              describe_request(r) + ": cancelled after " + std::to_string(attempts) + " attempt(s)");
  };

  int failures = 0, throttles = 0;
  std::chrono::milliseconds throttled_for{0};
  for (;;) {
    if (auto err = cancelled(failures + throttles)) return std::move(*err);
    if (hooks.before_attempt) {
      quarry::status permit = hooks.before_attempt();
      if (!permit.ok()) return std::move(permit).error();
    }
    bool may_retry = true;
    quarry::result<response> out = attempt_once(may_retry);
    if (hooks.after_attempt) hooks.after_attempt(out);
    if (out.ok() || !out.error().retriable() || !may_retry) return out;

    std::chrono::milliseconds wait{0};
    if (out.error().kind == error_kind::rate_limited) {
      wait = retry_delay(policy, ++throttles, out.error().retry_after_s, rng);
      if (throttled_for + wait > policy.max_rate_limited_wait) {
        quarry::error last = std::move(out).error();
        last.message += " (still rate limited after " + std::to_string(throttled_for.count() / 1000) +
                        " s of waiting)";
        return last;
      }
      throttled_for += wait;
    } else {
      if (++failures >= max_attempts) {
        quarry::error last = std::move(out).error();
        last.message += " (gave up after " + std::to_string(failures) + " attempts)";
        return last;
      }
      wait = retry_delay(policy, failures, out.error().retry_after_s, rng);
    }
    if (!hooks.cancelled) {
      std::this_thread::sleep_for(wait);
      continue;
    }
    // Sleep in slices so that a cancellation is seen within 100 ms.
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (auto now = std::chrono::steady_clock::now(); now < deadline; now = std::chrono::steady_clock::now()) {
      if (auto err = cancelled(failures + throttles)) return std::move(*err);
      std::this_thread::sleep_for(
          std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds{100}));
    }
  }
}

} // namespace

quarry::result<response> send_with_retries(client& c, const request& r, const backoff_policy& policy,
                                           const classifier& extra, const retry_hooks& hooks) {
  return retry_loop(r, policy, hooks, [&](bool&) { return c.send(r, extra); });
}

quarry::result<response> stream_with_retries(client& c, const request& r, const chunk_sink& on_chunk,
                                             const backoff_policy& policy, const classifier& extra,
                                             const retry_hooks& hooks) {
  constexpr std::size_t envelope_cap = 64 * 1024;
  return retry_loop(r, policy, hooks, [&](bool& may_retry) -> quarry::result<response> {
    bool started = false, envelope = false, delivered = false;
    std::string held;
    const chunk_sink sink = [&](std::string_view chunk) {
      if (chunk.empty()) return true;
      if (!started) {
        started = true;
        envelope = r.envelope_prefix != '\0' && chunk.front() == r.envelope_prefix;
      }
      if (envelope) {
        if (held.size() < envelope_cap) held.append(chunk.substr(0, envelope_cap - held.size()));
        return true;
      }
      delivered = true;
      return on_chunk(chunk);
    };
    auto out = c.stream(r, sink);
    may_retry = !delivered;
    if (!out.ok()) return out;
    out->body = std::move(held);
    if (extra)
      if (std::optional<quarry::error> err = extra(r, *out)) {
        err->message = redact(std::move(err->message), r.url);
        return std::move(*err);
      }
    if (envelope)
      return quarry::make_error(error_kind::bad_payload, describe_request(r) + ": expected a file, got \"" +
                                                             out->body.substr(0, 120) + "\"");
    return out;
  });
}

std::string basic_authorization(std::string_view user_colon_password) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out = "Basic ";
  std::uint32_t acc = 0;
  int bits = 0;
  for (const unsigned char c : user_colon_password) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += alphabet[(acc << (6 - bits)) & 0x3F];
  while ((out.size() - 6) % 4 != 0) out += '=';
  return out;
}

}  // namespace quarry::http
