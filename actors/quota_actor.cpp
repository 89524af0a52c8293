#include "actors/quota_actor.hpp"

#include "actors/usage_store.hpp"

#include "proto/messages.hpp"
#include "telemetry/metrics.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <map>

namespace quarry::actors {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// Writes usage through the store (blocking: a detached actor); true once stored.
using usage_writer_actor =
    caf::typed_actor<caf::replies_to<persisted_atom, std::string>::with<bool>>;

struct quota_state;
// The quota actor's own timer comes on top of its interface.
using quota_impl = quota_actor::extend<caf::reacts_to<tick_atom>>;
using self_ptr = quota_impl::stateful_pointer<quota_state>;

struct quota_state {
  std::unique_ptr<quota::ledger> ledger;
  std::string account;
  usage_writer_actor store;  // detached: blocking writes
  std::map<quota::waiter_id, caf::typed_response_promise<quota_grant>> waiting;
  std::map<caf::actor_addr, std::string> holders;  // monitored workers
  std::uint64_t holders_seen = 0;
  std::optional<quota::mono_time> timer_at;
  bool persisting = false;
  prometheus::Gauge* remaining = nullptr;
  prometheus::Gauge* in_flight = nullptr;
};

std::int64_t unix_ms(quota::wall_time t) {
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

void publish_metrics(quota_state& st) {
  auto snap = st.ledger->snapshot(quota_now());
  if (st.remaining && snap.daily_remaining) st.remaining->Set(static_cast<double>(*snap.daily_remaining));
  if (st.in_flight) st.in_flight->Set(static_cast<double>(snap.in_flight));
}

void poll(self_ptr self) {
  auto& st = self->state;
  const auto now = quota_now();
  auto d = st.ledger->poll(now);
  for (const auto& g : d.grants) {
    auto it = st.waiting.find(g.waiter);
    if (it == st.waiting.end()) continue;
    quota_grant answer;
    answer.granted = true;
    answer.permit = g.permit;
    answer.lease_ms = duration_cast<milliseconds>(g.lease_expiry - now.mono).count();
    it->second.deliver(std::move(answer));
    st.waiting.erase(it);
  }
  for (const auto& den : d.denials) {
    auto it = st.waiting.find(den.waiter);
    if (it == st.waiting.end()) continue;
    quota_grant answer;
    answer.reason = den.reason;
    answer.reset_at_ms = unix_ms(den.reset_at);
    it->second.deliver(std::move(answer));
    st.waiting.erase(it);
  }
  if (d.persist && !st.persisting) {
    st.persisting = true;
    const auto usage = *d.persist;
    self->request(st.store, caf::infinite, persisted_atom_v, encode_usage(usage))
        .then(
            [=](bool stored) {
              auto& s = self->state;
              s.persisting = false;
              if (stored)
                s.ledger->on_persisted(usage);
              else
                s.ledger->on_persist_failed();
              poll(self);
            },
            [=](caf::error& e) {
              spdlog::error("quota {}: usage store failed: {}", self->state.account,
                            self->system().render(e));
              self->state.persisting = false;
              self->state.ledger->on_persist_failed();
            });
  }
  if (d.wake_at && (!st.timer_at || *d.wake_at < *st.timer_at)) {
    st.timer_at = d.wake_at;
    auto delay = *d.wake_at - now.mono;
    if (delay < std::chrono::milliseconds(1)) delay = std::chrono::milliseconds(1);
    self->delayed_send(self, duration_cast<std::chrono::microseconds>(delay), tick_atom_v);
  }
  publish_metrics(st);
}

usage_writer_actor::behavior_type usage_writer(usage_writer_actor::pointer, std::string account,
                                               std::shared_ptr<usage_store> store) {
  return {
      [=](persisted_atom, const std::string& encoded) {
        const auto usage = decode_usage(encoded);
        if (!usage) return false;  // cannot happen: the quota actor encoded it
        auto st = store->save(account, *usage);
        if (!st) spdlog::error("quota {}: cannot store usage: {}", account, st.error().message);
        return st.ok();
      },
  };
}

// A holder is gone: its permits and queued requests come back.
void reclaim(self_ptr self, std::map<caf::actor_addr, std::string>::iterator holder) {
  auto& s = self->state;
  auto freed = s.ledger->reclaim_holder(holder->second, quota_now());
  spdlog::info("quota {}: worker {} is gone; reclaimed {} permits and {} queued requests",
               s.account, holder->second, freed.permits, freed.waiters);
  s.holders.erase(holder);
  poll(self);
}

quota_impl::behavior_type quota_behavior(self_ptr self, std::string account, quota::policy policy,
                                         std::optional<quota::persisted_usage> restored,
                                         std::shared_ptr<usage_store> store) {
  auto& st = self->state;
  st.account = account;
  st.ledger = std::make_unique<quota::ledger>(std::move(policy), std::move(restored), quota_now());
  st.store = self->system().spawn<caf::detached>(usage_writer, account, std::move(store));
  self->link_to(st.store);
  auto& m = telemetry::metrics();
  st.remaining = &m.quota_remaining.Add({{"account", account}, {"budget", "daily_calls"}});
  st.in_flight = &m.quota_remaining.Add({{"account", account}, {"budget", "in_flight"}});
  if (const auto limit = st.ledger->snapshot(quota_now()).daily_limit)
    m.quota_daily_limit.Add({{"account", account}}).Set(static_cast<double>(*limit));
  self->set_down_handler([=](caf::down_msg& msg) {
    auto it = self->state.holders.find(msg.source);
    if (it != self->state.holders.end()) reclaim(self, it);
  });
  return {
      [=](quota_acquire& req) -> caf::result<quota_grant> {
        auto& s = self->state;
        // Before make_response_promise, which takes the sender out of the
        // current message.
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        auto rp = self->make_response_promise<quota_grant>();
        // The ledger knows a holder by a name unique to the sending actor:
        // a worker name can come back in another process (a reused slot),
        // and the old holder's reclaim must not take the new one's permits.
        std::string holder = req.holder.str();
        if (sender) {
          auto [it, added] = s.holders.try_emplace(
              sender.address(), holder + "#" + std::to_string(++s.holders_seen));
          if (added) self->monitor(sender);
          holder = it->second;
        }
        const auto waiter = s.ledger->enqueue(req.fairness_key, holder, quota_now(),
                                              req.byte_gated, req.scope);
        s.waiting.emplace(waiter, rp);
        poll(self);
        return rp;
      },
      [=](quota_release& rel) {
        auto& s = self->state;
        quota::outcome what;
        switch (rel.outcome) {
          case call_outcome::ok: what.result = quota::call_result::ok; break;
          case call_outcome::failed: what.result = quota::call_result::failed; break;
          case call_outcome::throttled: what.result = quota::call_result::throttled; break;
          case call_outcome::quota_exhausted:
            what.result = quota::call_result::quota_exhausted;
            break;
        }
        if (rel.retry_after_s >= 0)
          what.retry_after = milliseconds(static_cast<std::int64_t>(rel.retry_after_s * 1000));
        if (rel.server_remaining >= 0)
          what.room = quota::server_room{rel.server_remaining, milliseconds(rel.server_reset_in_ms)};
        const auto now = quota_now();
        if (rel.bytes > 0) s.ledger->charge_bytes(rel.bytes, now);
        s.ledger->release(rel.permit, what, now);
        poll(self);
      },
      [=](quota_usage_report& report) {
        self->state.ledger->reconcile(report.calls_today, quota_now());
        poll(self);
      },
      [=](tick_atom) {
        self->state.timer_at.reset();
        poll(self);
      },
      // A clean stop: no more grants; the calls still in each window are
      // stored, so the next process starts with them (quota_ledger.hpp,
      // "Windows are reserved"). Answers true once stored. The writer takes
      // messages in order, so this store lands after any still pending.
      [=](shutdown_atom) -> caf::result<bool> {
        auto& s = self->state;
        const auto usage = s.ledger->close(quota_now());
        auto rp = self->make_response_promise<bool>();
        self->request(s.store, caf::infinite, persisted_atom_v, encode_usage(usage))
            .then([rp](bool stored) mutable { rp.deliver(stored); },
                  [rp](caf::error&) mutable { rp.deliver(false); });
        return rp;
      },
      [=](caf::get_atom) -> quota_snapshot {
        auto snap = self->state.ledger->snapshot(quota_now());
        quota_snapshot out;
        out.account = account_id{self->state.account};
        out.calls_today = snap.calls_today;
        out.daily_limit = snap.daily_limit.value_or(-1);
        out.bytes_today = snap.bytes_today;
        out.in_flight = static_cast<std::int64_t>(snap.in_flight);
        out.queued = static_cast<std::int64_t>(snap.queued);
        out.next_reset_ms = unix_ms(snap.next_reset);
        return out;
      },
  };
}

} // namespace

quota::instant quota_now() {
  static const std::chrono::seconds offset = [] {
    const char* env = std::getenv("QUARRY_CLOCK_OFFSET_S");
    return std::chrono::seconds(env ? std::atoll(env) : 0);
  }();
  return {std::chrono::system_clock::now() + offset, std::chrono::steady_clock::now()};
}

quota_actor spawn_quota(caf::actor_system& system, std::string account, quota::policy policy,
                       std::optional<quota::persisted_usage> restored,
                       std::shared_ptr<usage_store> store) {
  if (auto bad = quota::validate(policy))
    throw std::invalid_argument("quota of account " + account + ": " + *bad);
  return system.spawn(quota_behavior, std::move(account), std::move(policy), std::move(restored),
                      std::move(store));
}

} // namespace quarry::actors
