#include "cli/discovery_session.hpp"

#include "connectors/core/backoff.hpp"
#include "proto/messages.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace quarry::cli {
namespace {

call_outcome outcome_of(const result<http::response>& r) {
  if (r.ok()) return call_outcome::ok;
  switch (r.error().kind) {
    case error_kind::rate_limited: return call_outcome::throttled;
    case error_kind::quota_exhausted: return call_outcome::quota_exhausted;
    default: return call_outcome::failed;
  }
}

class discovery_session final : public connectors::session {
 public:
  discovery_session(caf::actor_system& system, caf::actor quota, connectors::job_context context,
                    http::client_options http)
      : self_(system), quota_(std::move(quota)), context_(std::move(context)),
        http_(std::move(http)) {}

  const connectors::job_context& job() const override { return context_; }

  result<http::response> call(const http::request& req, const http::classifier& extra) override {
    permit_id permit = 0;
    http::retry_hooks hooks;
    hooks.before_attempt = [&] { return take_permit(permit, false); };
    hooks.after_attempt = [&](const result<http::response>& r) { return_permit(permit, r, 0); };
    return http::send_with_retries(http_, req, backoff_, extra, hooks);
  }

  result<http::response> download(const http::request& req,
                                  const std::function<bool(std::string_view)>& on_chunk,
                                  const http::classifier& extra) override {
    permit_id permit = 0;
    if (auto st = take_permit(permit, true); !st) return std::move(st).error();
    std::int64_t bytes = 0;
    auto r = http_.stream(req, [&](std::string_view chunk) {
      bytes += static_cast<std::int64_t>(chunk.size());
      return on_chunk(chunk);
    });
    if (r.ok() && extra)
      if (auto e = extra(req, *r)) r = std::move(*e);
    return_permit(permit, r, bytes);
    return r;
  }

  status emit(std::string_view stream, const nlohmann::json&) override {
    return make_error(error_kind::fatal,
                      "discovery emits no records (stream " + std::string{stream} + ")");
  }
  status checkpoint(const nlohmann::json&) override {
    return make_error(error_kind::fatal, "discovery keeps no bookmarks");
  }
  void spawn(connectors::task_spec) override {}
  void declare(const connectors::stream_descriptor&) override {}

  void warn(std::string_view message) override {
    spdlog::warn("discover account {}: {}", context_.account, message);
  }

  void report_usage(std::int64_t calls_today) override {
    if (quota_) self_->send(quota_, quota_usage_report{calls_today});
  }

  bool cancelled() const override { return false; }

 private:
  status take_permit(permit_id& permit, bool byte_gated) {
    permit = 0;
    if (!quota_) return {};
    status outcome;
    quota_acquire req{account_id{context_.account}, context_.job + "/(discover)",
                      worker_id{"discover"}, byte_gated};
    self_->request(quota_, caf::infinite, std::move(req))
        .receive(
            [&](quota_grant& g) {
              if (g.granted) {
                permit = g.permit;
                return;
              }
              outcome = make_error(error_kind::quota_exhausted,
                                   "quota of account " + context_.account + ": " + g.reason);
            },
            [&](caf::error& e) {
              outcome = make_error(error_kind::fatal,
                                   "quota actor unreachable: " + self_->system().render(e));
            });
    return outcome;
  }

  void return_permit(permit_id permit, const result<http::response>& r, std::int64_t bytes) {
    if (permit == 0 || !quota_) return;
    self_->send(quota_, quota_release{permit, outcome_of(r),
                                      r.ok() ? -1.0 : r.error().retry_after_s, bytes});
  }

  caf::scoped_actor self_;
  caf::actor quota_;
  connectors::job_context context_;
  http::client http_;
  http::backoff_policy backoff_;
};

} // namespace

std::unique_ptr<connectors::session> make_discovery_session(caf::actor_system& system,
                                                            caf::actor quota,
                                                            connectors::job_context context,
                                                            http::client_options http) {
  return std::make_unique<discovery_session>(system, std::move(quota), std::move(context),
                                             std::move(http));
}

} // namespace quarry::cli
