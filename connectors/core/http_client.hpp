#pragma once

// The one HTTP client of quarry: a blocking client on libcurl's easy
// interface, and the retry loop every connector shares.
//
// Threading: a `client` is NOT thread-safe. Each worker thread owns its own
// instance; the calls block that thread (workers are dedicated threads, never
// a cooperative scheduler thread). The instance keeps one curl easy handle
// and with it a cache of open connections, so consecutive requests to one
// host reuse a keep-alive connection.
//
// Errors are values (`quarry::result`), classified into the taxonomy of
// proto/error.hpp so that the engine can decide from the kind alone:
//
//   transport failure (refused, reset, timeout, DNS, TLS handshake) retriable
//   TLS certificate rejected, malformed URL, unsupported scheme     fatal
//   undecodable Content-Encoding                                    bad_payload
//   HTTP 2xx, 304, a status in request::also_accept                 the response
//   HTTP 429                rate_limited (+ Retry-After, else x-ratelimit-reset)
//   HTTP 408, 5xx                                 retriable    (+ Retry-After)
//   HTTP 401                                                        auth_expired
//   HTTP 403, 400, 404, any other 4xx, 1xx, other 3xx               fatal
//   body larger than max_response_bytes (client's or request's)     bad_payload
//
// Error messages name the request by `request::describe` (never the URL: a
// query string may carry a token) and quote at most 200 bytes of the body.
//
// This header stays light on purpose: curl.h (and <random>) are included by
// the .cpp only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/error.hpp"

namespace quarry::http {

// connectors/core/backoff.hpp; declared only, to keep <random> out of every
// file that sends a request. Callers of send_with_retries include it.
struct backoff_policy;

// "Basic <base64 of user:password>", an Authorization header value (RFC 7617).
std::string basic_authorization(std::string_view user_colon_password);

struct request {
  // GET, POST, PUT, DELETE (PATCH and HEAD work too). `body` is sent for any
  // method when non-empty, and always for POST and PUT.
  std::string method = "GET";
  // Full URL, query included. Only http and https are allowed.
  std::string url;
  // Sent as given, in order. Names and values must not contain CR or LF.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Short text that names the request in errors, e.g.
  // "GET /rest/v1/leads.json". Must not contain credentials. Empty: method
  // and path of `url`, query string and fragment stripped (describe_request).
  std::string describe;
  // Bytes first..last, inclusive; last = -1 means "to the end". Sent as
  // "Range: bytes=first-last". The caller checks for status 206: a server may
  // ignore the header and answer 200 with the whole body.
  std::optional<std::pair<std::int64_t, std::int64_t>> range;
  // Statuses answered as responses rather than errors, for APIs whose error
  // answers carry meaning the default mapping would lose: a SOAP fault comes
  // with 500 (connectors/core/soap.hpp reads it in its classifier).
  std::vector<long> also_accept;
  // A lower cap on this answer's body than client_options::max_response_bytes
  // (0: the client's). Bodies over it fail as bad_payload.
  std::size_t max_response_bytes = 0;
  // The class of call for the account's quota: a permit must fit the windows
  // of this scope as well as the general ones ("" = general only), e.g.
  // Kustomer's "search" (100/min for API keys inside the org's budget).
  std::string quota_scope;
  // Downloads (stream_with_retries) only: a body whose first byte is this one is
  // the API's answer envelope, not the file (Marketo answers a bulk file
  // request with HTTP 200 {"success":false,...}): up to 64 KiB of it are held
  // back from on_chunk and handed to the classifier as the response body. An
  // envelope the classifier accepts fails as bad_payload ("expected a file").
  // '\0': none.
  char envelope_prefix = '\0';
};

// `r.describe` if set, else "<method> <path>" taken from r.url without
// scheme, credentials, host, query string or fragment.
std::string describe_request(const request& r);

struct response {
  long status = 0;
  // In the order received; names lower-cased, values trimmed. Only the
  // headers of the final response (not of a 100 Continue before it).
  std::vector<std::pair<std::string, std::string>> headers;
  // Decoded (gzip/deflate/br undone). Empty for client::stream.
  std::string body;
  // Wall time of the whole exchange, connect included.
  double elapsed_s = 0;

  // The first header named `lower_name` (which must be lower-case).
  std::optional<std::string> header(std::string_view lower_name) const;
};

struct client_options {
  std::chrono::milliseconds connect_timeout{10'000};
  // Limit of a whole client::send exchange.
  std::chrono::milliseconds total_timeout{120'000};
  // Limit of a whole client::stream exchange: bulk export files take longer
  // than an API call. 0 = none (stall_timeout still applies).
  std::chrono::milliseconds stream_timeout{3'600'000};
  // A transfer that receives nothing for this long fails as retriable.
  // 0 = off.
  std::chrono::milliseconds stall_timeout{60'000};
  // Larger (decoded) bodies fail as bad_payload naming the cap. Not applied
  // by client::stream.
  std::size_t max_response_bytes = std::size_t{256} << 20;
  // Verify the peer certificate and host name against the system CA bundle.
  // Turn off only for tests against self-signed servers.
  bool verify_tls = true;
  std::string user_agent = "quarry/0.1";
};

// A connector's own reading of a successful answer, e.g. Marketo's HTTP 200
// with {"success":false,"errors":[{"code":"606"}]} is rate_limited. Called
// only for responses the client accepted (2xx, 304, request::also_accept);
// returns the error to report instead, or nullopt to accept the response.
using classifier =
    std::function<std::optional<quarry::error>(const request&, const response&)>;

// Called with each piece of a streamed body, in order; returns false to abort
// the transfer (client::stream then answers `cancelled`). The view is valid
// during the call only.
using chunk_sink = std::function<bool(std::string_view)>;

// Percent-encodes a query parameter value (RFC 3986 unreserved characters
// stay as they are).
std::string url_encode(std::string_view text);

class client {
 public:
  // Cheap; curl is initialised process-wide once, on first construction.
  // A moved-from client may only be destroyed or assigned to.
  explicit client(client_options options = {});
  ~client();
  client(client&&) noexcept;
  client& operator=(client&&) noexcept;
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // One attempt, no retries. On success the response holds the whole body
  // (up to max_response_bytes); `extra`, if given, may still turn an
  // accepted response into an error.
  quarry::result<response> send(const request& r, const classifier& extra = {});

  // One attempt, the body handed to `on_chunk` as it arrives (memory stays
  // bounded, no size cap). Only the body of an accepted (2xx, 304) response
  // reaches `on_chunk`; an error body is kept for the error message. The
  // returned response carries status and headers with an empty body.
  // `on_chunk` returning false answers error_kind::cancelled. A transport
  // failure after some chunks were delivered answers retriable: the caller
  // restarts the download (or resumes it with request::range).
  quarry::result<response> stream(const request& r, const chunk_sink& on_chunk);

  const client_options& options() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// The engine's hooks around each attempt of send_with_retries. All optional;
// all called on the calling thread.
struct retry_hooks {
  // Before every attempt (the engine takes a quota permit here). A failed
  // status stops the loop and is returned as the result.
  std::function<quarry::status()> before_attempt;
  // After every attempt, with its outcome (the engine returns the permit and
  // reports the outcome here). Not called when before_attempt failed.
  std::function<void(const quarry::result<response>&)> after_attempt;
  // Checked before every attempt and while waiting between attempts
  // (at least every 100 ms); true stops with error_kind::cancelled.
  std::function<bool()> cancelled;
};

// Sends `r` until it succeeds, fails with a kind other than retriable or
// rate_limited (returned at once), or policy.max_attempts attempts failed
// (the last error returned, its message noting the attempt count). Between
// attempts sleeps retry_delay(policy, attempt, error.retry_after_s) on the
// calling thread.
//
// One wait policy for every request kind (calls, token requests, SOAP
// operations, downloads): a rate_limited answer is waited out (the server's
// Retry-After, else backoff) and never uses up an attempt; only
// policy.max_rate_limited_wait in total bounds those waits, after which the
// rate_limited error is returned.
//
//   [cancelled?] -> before_attempt -> send -> after_attempt -> ok? done
//        ^                                                     | retriable,
//        +---------------- sleep (cancellable) <---------------+ attempts left
quarry::result<response> send_with_retries(client& c, const request& r,
                                           const backoff_policy& policy,
                                           const classifier& extra = {},
                                           const retry_hooks& hooks = {});

// client::stream with the same policy as send_with_retries, as far as it is
// safe: rate_limited answers are waited out and retriable failures retried
// while no byte has reached `on_chunk` (an error status or a held envelope);
// once the file has started, a failure is returned and the caller resumes
// from its own bookmark (request::range). `extra` classifies the response,
// its body being the held envelope when request::envelope_prefix matched.
quarry::result<response> stream_with_retries(client& c, const request& r, const chunk_sink& on_chunk,
                                             const backoff_policy& policy, const classifier& extra = {},
                                             const retry_hooks& hooks = {});

} // namespace quarry::http
