#include "runtime/engine_impl.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/remote_actor.hpp>
#include <spdlog/spdlog.h>

#include <thread>

// The life of a worker process (`quarry worker`): it joins the coordinator,
// runs the worker slots it is given until the coordinator is lost, drains or
// the process is told to stop, and joins again (or exits for a fresh start).

namespace quarry::runtime {

int engine::work_for(const join_options& options) {
  auto& im = *impl_;
  im.start_runtime();
  std::vector<std::string> names;
  auto base = std::make_shared<actors::job_directory>();
  for (const auto& job : im.config.jobs) {
    names.push_back(job.name);
    actors::job_entry entry;
    entry.context = context_of(*im.config.find_account(job.account), &job);
    entry.prefix = job.topic_prefix.value_or(im.config.kafka.topic_prefix);
    base->add_job(std::move(entry));
  }
  auto sinks = im.make_sinks(names);
  auto backoff = std::chrono::milliseconds(200);
  // Sleeps up to `d`, waking early to leave.
  auto pause = [&](std::chrono::milliseconds d) {
    for (auto left = d; left.count() > 0 && !options.stopping(); left -= std::chrono::milliseconds(100))
      std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(100)));
  };
  while (!options.stopping()) {
    const auto port = static_cast<std::uint16_t>(options.port);
    // The published interface must equal coordinator_actor, or the
    // connection is refused (a coordinator built with other messages) and
    // retried like an unreachable one.
    auto coord = im.options.tls
                     ? caf::openssl::remote_actor<coordinator_actor>(*im.system, options.host, port)
                     : im.system->middleman().remote_actor<coordinator_actor>(options.host, port);
    caf::scoped_actor self{*im.system};
    std::optional<join_reply> joined;
    if (coord) {
      // A coordinator that has not answered within two peer timeouts is
      // dying (CAF 0.17 never answers a request to a node that went away):
      // ask again, or leave when told to, instead of waiting much longer.
      const auto join_timeout = std::max(2 * im.options.peer_timeout, std::chrono::milliseconds(2000));
      self->request(*coord, join_timeout, join_atom_v,
                    join_request{options.name, static_cast<std::uint32_t>(options.workers)})
          .receive([&](join_reply& r) { joined = std::move(r); },
                   [&](caf::error& e) {
                     spdlog::warn("joining {}:{} failed: {}", options.host, options.port,
                                  im.system->render(e));
                   });
    } else {
      spdlog::warn("coordinator {}:{} unreachable: {}; retrying in {} ms", options.host,
                   options.port, im.system->render(coord.error()), backoff.count());
    }
    if (!joined) {
      pause(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      continue;
    }
    backoff = std::chrono::milliseconds(200);
    auto directory = std::make_shared<actors::job_directory>(*base);
    for (const auto& q : joined->quotas) directory->set_quota(q.account, q.quota);
    std::vector<caf::actor> local;
    for (const auto& slot : joined->slots)
      local.push_back(actors::spawn_worker(*im.system, im.worker_config_of(slot, *coord, directory, sinks)));
    spdlog::info("joined coordinator {}:{} with workers {}..{}", options.host, options.port,
                 joined->slots.front().str(), joined->slots.back().str());
    if (options.on_joined) options.on_joined(true);
    self->monitor(*coord);
    for (const auto& w : local) self->monitor(w);
    std::size_t alive = local.size();
    bool lost = false, leaving = false;
    auto deadline = std::chrono::steady_clock::time_point::max();
    while (alive > 0 && !lost && std::chrono::steady_clock::now() < deadline) {
      self->receive(
          [&](caf::down_msg& d) {
            if (d.source == coord->address()) {
              lost = true;
            } else {
              --alive;
            }
          },
          caf::after(std::chrono::milliseconds(200)) >> [&] {
            if (leaving || lost || !options.stopping()) return;
            leaving = true;
            deadline = std::chrono::steady_clock::now() + options.grace;
            for (const auto& slot : joined->slots) self->send(*coord, shutdown_atom_v, slot);
          });
    }
    if (options.on_joined) options.on_joined(false);
    // Lost: the workers may wait forever on answers from the dead node
    // (CAF 0.17 does not bounce requests already delivered), so the process
    // starts afresh. Its producers' open transactions are fenced by the next
    // coordinator before any run, which resumes from committed state.
    if (lost) return rejoin_exit;
    if (alive > 0) return 1;  // the grace period ran out
    if (leaving || options.stopping()) return 0;
    // Every worker stopped while the coordinator lives: it is draining. Wait
    // until it is gone, then join its successor.
    while (!lost && !options.stopping())
      self->receive([&](caf::down_msg& d) { lost = d.source == coord->address(); },
                    caf::after(std::chrono::milliseconds(200)) >> [] {});
  }
  return 0;
}

} // namespace quarry::runtime
