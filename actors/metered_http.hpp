#pragma once

// API calls paid for with permits of an account's quota actor, made from a
// blocking actor's own thread (a worker, or `quarry discover`'s scoped
// actor). Every attempt takes a permit first and returns it with its outcome
// (and, for downloads, the bytes): one mechanism for every session.

#include "connectors/core/backoff.hpp"
#include "connectors/core/http_client.hpp"
#include "proto/ids.hpp"
#include "proto/interfaces.hpp"

#include <caf/fwd.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace quarry::actors {

struct permit_source {
  caf::blocking_actor* self = nullptr;
  quota_actor quota;         // none: calls are not metered
  account_id account;
  std::string fairness_key;  // "<job>/<stream>": round-robin between tasks
  worker_id worker;
  std::string source;        // labels the API call metrics
};

// Called after every attempt (retries included), ok or not.
using attempt_fn = std::function<void(const result<http::response>&)>;

result<http::response> metered_call(const permit_source& from, http::client& client,
                                    const http::backoff_policy& backoff, const http::request& req,
                                    const http::classifier& extra, const std::function<bool()>& cancelled,
                                    const attempt_fn& on_attempt = {});

// A download under the same wait policy as a call (http::stream_with_retries):
// rate_limited answers are waited out and failures retried while no byte of
// the file has been delivered; after that the caller resumes from its own
// bookmark. Every attempt needs the account's daily bytes as well as a call.
result<http::response> metered_download(const permit_source& from, http::client& client,
                                        const http::backoff_policy& backoff, const http::request& req,
                                        const std::function<bool(std::string_view)>& on_chunk,
                                        const http::classifier& extra, const std::function<bool()>& cancelled,
                                        const attempt_fn& on_attempt = {});

} // namespace quarry::actors
