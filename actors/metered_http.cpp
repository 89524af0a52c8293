#include "actors/metered_http.hpp"

#include "connectors/core/rate_limit.hpp"
#include "connectors/core/timestamp.hpp"
#include "proto/messages.hpp"
#include "telemetry/metrics.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <ctime>

namespace quarry::actors {
namespace {

call_outcome outcome_of(const result<http::response>& r) {
  if (r.ok()) return call_outcome::ok;
  switch (r.error().kind) {
    case error_kind::rate_limited: return call_outcome::throttled;
    case error_kind::quota_exhausted: return call_outcome::quota_exhausted;
    default: return call_outcome::failed;
  }
}


// Blocks this actor's thread until the quota actor grants a permit (0 when
// calls are not metered) or says the budget is spent.
status take_permit(const permit_source& from, permit_id& permit, bool byte_gated,
                   const std::string& scope = {}) {
  permit = 0;
  if (!from.quota) return {};
  status outcome;
  const auto asked = std::chrono::steady_clock::now();
  quota_acquire req{from.account, from.fairness_key, from.worker, byte_gated, scope};
  from.self->request(from.quota, caf::infinite, std::move(req))
      .receive(
          [&](quota_grant& g) {
            if (g.granted) {
              permit = g.permit;
              return;
            }
            outcome = make_error(error_kind::quota_exhausted,
                                 "quota of account " + from.account.str() + ": " + g.reason +
                                     "; resumes after " + connectors::format_utc_seconds(std::chrono::system_clock::time_point{std::chrono::milliseconds(g.reset_at_ms)}));
          },
          [&](caf::error& e) {
            outcome =
                make_error(error_kind::fatal, "quota actor unreachable: " + from.self->system().render(e));
          });
  auto& wait = telemetry::metrics().quota_wait.Add({{"account", from.account.str()}},
                                                  telemetry::latency_buckets());
  wait.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count());
  return outcome;
}

// What the answer says of the server's room for calls of `scope`: its
// x-ratelimit headers, or for a scoped call refused with 429 and a reset
// time, none left until then (so only that scope waits).
quota_release release_of(permit_id permit, const result<http::response>& r, std::int64_t bytes,
                         const std::string& scope) {
  quota_release out{permit, outcome_of(r), r.ok() ? -1.0 : r.error().retry_after_s, bytes};
  if (r.ok()) {
    if (const auto room = http::read_rate_limit(*r, std::chrono::system_clock::now())) {
      out.server_remaining = room->remaining;
      out.server_reset_in_ms = static_cast<std::int64_t>(room->reset_in_s * 1000);
    }
  } else if (!scope.empty() && r.error().kind == error_kind::rate_limited && r.error().retry_after_s >= 0) {
    out.server_remaining = 0;
    out.server_reset_in_ms = static_cast<std::int64_t>(r.error().retry_after_s * 1000);
  }
  return out;
}

void count_call(const permit_source& from, const result<http::response>& r,
                std::chrono::steady_clock::time_point started) {
  auto& m = telemetry::metrics();
  const std::string outcome = r.ok() ? std::string{"ok"} : std::string{to_string(r.error().kind)};
  m.api_calls.Add({{"account", from.account.str()}, {"source", from.source}, {"outcome", outcome}})
      .Increment();
  m.api_call_duration.Add({{"source", from.source}}, telemetry::latency_buckets())
      .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!r.ok() && (r.error().kind == error_kind::rate_limited ||
                  r.error().kind == error_kind::quota_exhausted))
    m.api_throttles
        .Add({{"account", from.account.str()},
              {"kind", r.error().kind == error_kind::rate_limited ? "throttled" : "quota_exhausted"}})
        .Increment();
}

void return_permit(const permit_source& from, permit_id permit, const result<http::response>& r,
                   std::int64_t bytes, const attempt_fn& on_attempt,
                   std::chrono::steady_clock::time_point started, const std::string& scope = {}) {
  count_call(from, r, started);
  if (on_attempt) on_attempt(r);
  if (permit == 0 || !from.quota) return;
  from.self->send(from.quota, release_of(permit, r, bytes, scope));
}

} // namespace

result<http::response> metered_call(const permit_source& from, http::client& client,
                                    const http::backoff_policy& backoff, const http::request& req,
                                    const http::classifier& extra, const std::function<bool()>& cancelled,
                                    const attempt_fn& on_attempt) {
  permit_id permit = 0;
  auto started = std::chrono::steady_clock::now();
  http::retry_hooks hooks;
  hooks.before_attempt = [&] {
    auto st = take_permit(from, permit, false, req.quota_scope);
    started = std::chrono::steady_clock::now();
    return st;
  };
  hooks.after_attempt = [&](const result<http::response>& r) {
    return_permit(from, permit, r, 0, on_attempt, started, req.quota_scope);
  };
  hooks.cancelled = cancelled;
  return http::send_with_retries(client, req, backoff, extra, hooks);
}

result<http::response> metered_download(const permit_source& from, http::client& client,
                                        const http::backoff_policy& backoff, const http::request& req,
                                        const std::function<bool(std::string_view)>& on_chunk,
                                        const http::classifier& extra, const std::function<bool()>& cancelled,
                                        const attempt_fn& on_attempt) {
  permit_id permit = 0;
  auto started = std::chrono::steady_clock::now();
  std::int64_t bytes = 0;
  http::retry_hooks hooks;
  hooks.before_attempt = [&] {
    auto st = take_permit(from, permit, true);
    started = std::chrono::steady_clock::now();
    bytes = 0;
    return st;
  };
  hooks.after_attempt = [&](const result<http::response>& r) {
    return_permit(from, permit, r, bytes, on_attempt, started);
  };
  hooks.cancelled = cancelled;
  return http::stream_with_retries(
      client, req,
      [&](std::string_view chunk) {
        bytes += static_cast<std::int64_t>(chunk.size());
        return on_chunk(chunk);
      },
      backoff, extra, hooks);
}

} // namespace quarry::actors
