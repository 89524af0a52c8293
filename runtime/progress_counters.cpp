#include "runtime/progress_counters.hpp"

#include "proto/messages.hpp"

#include <caf/all.hpp>

namespace quarry::runtime {
namespace {

// One worker's sink: counts what it wrote since its last commit.
class counting_sink final : public sinks::record_sink {
 public:
  counting_sink(std::unique_ptr<sinks::record_sink> inner, std::shared_ptr<progress_counters> counters)
      : inner_(std::move(inner)), counters_(std::move(counters)) {}

  status open() override { return inner_->open(); }

  status write(const sinks::record_origin& origin, const stream_info& stream, std::string_view key,
               std::optional<std::string_view> value) override {
    auto st = inner_->write(origin, stream, key, value);
    if (st && value) ++pending_[{origin.job, stream.name}];
    return st;
  }

  status publish_schema(const sinks::record_origin& origin, std::string_view stream,
                        std::string_view schema, std::string_view fingerprint,
                        const std::vector<std::string>& key_fields) override {
    return inner_->publish_schema(origin, stream, schema, fingerprint, key_fields);
  }

  status commit(const std::vector<sinks::task_states>& states) override {
    auto st = inner_->commit(states);
    if (st)
      for (const auto& [key, n] : pending_) counters_->add_records(key, n);
    pending_.clear();  // a failed commit is aborted by the worker
    return st;
  }

  status abort() override {
    pending_.clear();
    return inner_->abort();
  }

 private:
  std::unique_ptr<sinks::record_sink> inner_;
  std::shared_ptr<progress_counters> counters_;
  std::map<progress_counters::stream_key, std::uint64_t> pending_;
};

class counting_sink_factory final : public sinks::sink_factory {
 public:
  counting_sink_factory(std::shared_ptr<sinks::sink_factory> inner,
                        std::shared_ptr<progress_counters> counters)
      : inner_(std::move(inner)), counters_(std::move(counters)) {}

  std::unique_ptr<sinks::record_sink> make(const std::string& worker_name) override {
    return std::make_unique<counting_sink>(inner_->make(worker_name), counters_);
  }

 private:
  std::shared_ptr<sinks::sink_factory> inner_;
  std::shared_ptr<progress_counters> counters_;
};

quota_actor::behavior_type counting_relay(quota_actor::pointer self, quota_actor quota,
                                          std::shared_ptr<progress_counters> counters) {
  // delegate() keeps the original sender and request id: the quota actor
  // monitors the worker, and its answer goes straight back to it.
  return {
      [=](quota_acquire& req) {
        counters->add_call(req.fairness_key);
        return self->delegate(quota, std::move(req));
      },
      [=](quota_release& rel) { return self->delegate(quota, std::move(rel)); },
      [=](quota_usage_report& report) { return self->delegate(quota, std::move(report)); },
      [=](caf::get_atom atom) { return self->delegate(quota, atom); },
      [=](shutdown_atom atom) { return self->delegate(quota, atom); },
  };
}

} // namespace

void progress_counters::add_records(const stream_key& key, std::uint64_t n) {
  std::lock_guard lock{mutex_};
  counts_[key].records += n;
}

void progress_counters::add_call(const std::string& fairness_key) {
  const auto slash = fairness_key.find('/');
  stream_key key = slash == std::string::npos
                       ? stream_key{"", fairness_key}
                       : stream_key{fairness_key.substr(0, slash), fairness_key.substr(slash + 1)};
  std::lock_guard lock{mutex_};
  ++counts_[key].calls;
}

std::map<progress_counters::stream_key, progress_counters::counts> progress_counters::snapshot() const {
  std::lock_guard lock{mutex_};
  return counts_;
}

std::shared_ptr<sinks::sink_factory> make_counting_sink_factory(
    std::shared_ptr<sinks::sink_factory> inner, std::shared_ptr<progress_counters> counters) {
  return std::make_shared<counting_sink_factory>(std::move(inner), std::move(counters));
}

quota_actor spawn_counting_relay(caf::actor_system& system, quota_actor quota,
                                std::shared_ptr<progress_counters> counters) {
  return system.spawn(counting_relay, std::move(quota), std::move(counters));
}

} // namespace quarry::runtime
