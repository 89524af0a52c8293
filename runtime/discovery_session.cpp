#include "runtime/discovery_session.hpp"

#include "actors/metered_http.hpp"
#include "connectors/core/backoff.hpp"
#include "proto/messages.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace quarry::runtime {
namespace {

class discovery_session final : public connectors::session {
 public:
  discovery_session(caf::actor_system& system, quota_actor quota, connectors::job_context context,
                    http::client_options http)
      : self_(system), quota_(std::move(quota)), context_(std::move(context)),
        http_(std::move(http)) {}

  const connectors::job_context& job() const override { return context_; }

  result<http::response> call(const http::request& req, const http::classifier& extra) override {
    return actors::metered_call(permits(), http_, backoff_, req, extra, [] { return false; });
  }

  result<http::response> download(const http::request& req,
                                  const std::function<bool(std::string_view)>& on_chunk,
                                  const http::classifier& extra) override {
    return actors::metered_download(permits(), http_, backoff_, req, on_chunk, extra, [] { return false; });
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
  actors::permit_source permits() {
    return {self_.ptr(), quota_, account_id{context_.account}, context_.job + "/(discover)",
            worker_id{"discover"}, context_.source};
  }

  caf::scoped_actor self_;
  quota_actor quota_;
  connectors::job_context context_;
  http::client http_;
  http::backoff_policy backoff_;
};

} // namespace

std::unique_ptr<connectors::session> make_discovery_session(caf::actor_system& system,
                                                            quota_actor quota,
                                                            connectors::job_context context,
                                                            http::client_options http) {
  return std::make_unique<discovery_session>(system, std::move(quota), std::move(context),
                                             std::move(http));
}

} // namespace quarry::runtime
