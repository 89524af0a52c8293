#include "actors/quota_ledger.hpp"

#include "connectors/core/timestamp.hpp"

#include <date/tz.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace quarry::quota {

namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds first_backoff = 1s;
constexpr std::chrono::milliseconds max_backoff = 60s;

// A quota day as "YYYY-MM-DD".
std::string label(date::local_days day) { return date::format("%F", day); }

std::optional<date::local_days> parse_day(const std::string& text) {
  const auto midnight = connectors::parse_instant(text);  // a bare date is midnight UTC
  if (!midnight) return std::nullopt;
  const date::local_days day{date::days{date::floor<date::days>(std::chrono::seconds{midnight->seconds()}).count()}};
  if (label(day) != text) return std::nullopt;  // a date-time, or "2026-6-1" and the like
  return day;
}

// A window or reported room of `limit_scope` binds calls of `call_scope`.
bool binds(const std::string& limit_scope, const std::string& call_scope) {
  return limit_scope.empty() || limit_scope == call_scope;
}

// The calls a clean stop kept that cover a window of `scope` and `span`: a
// list of the same scope, or of every call (a superset), kept at least as
// long. nullptr when there is none (a crash, or the window is new or longer).
const persisted_usage::window_calls* kept_calls(const persisted_usage& stored,
                                                const std::string& scope,
                                                std::chrono::nanoseconds span) {
  for (const auto& kept : stored.windows)
    if ((kept.scope == scope || kept.scope.empty()) && kept.span >= span)
      return &kept;
  return nullptr;
}

std::chrono::milliseconds backoff(int consecutive) {
  auto wait = first_backoff;
  for (int i = 0; i < consecutive && wait < max_backoff; ++i)
    wait *= 2;
  return std::min(wait, max_backoff);
}

} // namespace

std::optional<std::string> validate(const policy& p) {
  if (p.daily_calls && *p.daily_calls <= 0)
    return "daily_calls: must be positive (or unset for unlimited)";
  try {
    date::locate_zone(p.time_zone);
  } catch (const std::exception&) {
    return "time_zone: unknown IANA zone '" + p.time_zone + "'";
  }
  if (p.reset_offset < std::chrono::minutes{0} || p.reset_offset >= std::chrono::hours{24})
    return "reset_offset: must be in [0, 24h)";
  for (std::size_t i = 0; i < p.windows.size(); ++i) {
    const auto& w = p.windows[i];
    const auto where = "windows[" + std::to_string(i) + "]";
    if (w.calls <= 0)
      return where + ".calls: must be positive";
    if (w.length <= std::chrono::seconds{0})
      return where + ".length: must be positive";
  }
  if (p.concurrency && *p.concurrency <= 0)
    return "concurrency: must be positive (or unset for unlimited)";
  if (p.daily_bytes && *p.daily_bytes <= 0)
    return "daily_bytes: must be positive (or unset for unlimited)";
  if (p.lease <= std::chrono::seconds{0})
    return "lease: must be positive";
  if (p.reservation_block < 0)
    return "reservation_block: must be positive, or 0 for automatic";
  if (p.window_skew < std::chrono::milliseconds{0})
    return "window_skew: cannot be negative";
  if (p.window_horizon <= std::chrono::seconds{0})
    return "window_horizon: must be positive";
  return std::nullopt;
}

ledger::ledger(policy p, std::optional<persisted_usage> restored, instant now)
    : policy_(std::move(p)) {
  if (auto bad = validate(policy_))
    throw std::invalid_argument("quota policy: " + *bad);
  zone_ = date::locate_zone(policy_.time_zone);
  if (policy_.reservation_block > 0)
    block_ = policy_.reservation_block;
  else if (policy_.daily_calls)
    block_ = std::max<std::int64_t>(1, std::min<std::int64_t>(50, *policy_.daily_calls / 100));
  window_log_.resize(policy_.windows.size());
  // Five seconds of the busiest window's rate, at least 2: asked for again
  // at half a block, so steady traffic never waits for the store.
  window_block_ = 2;
  for (const auto& w : policy_.windows)
    window_block_ = std::max<std::int64_t>(window_block_, w.calls * 5 / std::max<std::int64_t>(1, w.length.count()));
  cooling_until_ = now.mono;

  day_ = day_of(now.wall);
  if (restored) {
    const auto day = parse_day(restored->day);
    if (!day)
      throw std::invalid_argument("persisted quota usage: bad day '" + restored->day + "'");
    if (*day >= day_) {  // an older day's usage is simply over
      day_ = *day;
      calls_ = reserved_ = std::max<std::int64_t>(0, restored->calls);
      bytes_ = bytes_stored_ = std::max<std::int64_t>(0, restored->bytes);
    }
    // Windows outlive days: the dead process's calls fill each window until
    // they have surely left it.
    if (restored->windows_until) {
      windows_until_ = restored->windows_until;
      // After a clean stop nothing was in flight; otherwise a call granted
      // just before windows_until may have run until its lease.
      const bool clean = restored->windows_ahead == 0 && !restored->windows.empty();
      const auto last_release = std::min(now.wall, *restored->windows_until + (clean ? std::chrono::seconds{0} : policy_.lease));
      for (std::size_t i = 0; i < policy_.windows.size(); ++i) {
        const auto& w = policy_.windows[i];
        const auto span = w.length + policy_.window_skew;
        auto& log = window_log_[i];
        const auto* kept = kept_calls(*restored, w.scope, span);
        if (kept)
          for (const auto released : kept->released)
            if (released + span > now.wall)
              log.push_back(now.mono + (released + span - now.wall));
        const auto ahead = kept ? restored->windows_ahead : std::int64_t{w.calls};
        if (last_release + span > now.wall)
          log.insert(log.end(), static_cast<std::size_t>(ahead), now.mono + (last_release + span - now.wall));
        std::sort(log.begin(), log.end());
      }
    }
  }
  next_reset_ = reset_of(day_ + date::days{1});
}

// --- days -------------------------------------------------------------------

wall_time ledger::reset_of(date::local_days day) const {
  // earliest: a reset in a repeated hour happens at its first occurrence; one
  // in a DST gap happens at the transition (date's to_sys for nonexistent).
  return zone_->to_sys(date::local_seconds{day} + policy_.reset_offset, date::choose::earliest);
}

date::local_days ledger::day_of(wall_time t) const {
  auto day = date::floor<date::days>(zone_->to_local(t) - policy_.reset_offset);
  // Near a DST change local time minus the offset can name the wrong day (a
  // reset in a repeated hour); the resets themselves are the truth. The first
  // loop is defensive: no zone in the tests needs it.
  while (t < reset_of(day))
    day -= date::days{1};
  while (t >= reset_of(day + date::days{1}))
    day += date::days{1};
  return day;
}

void ledger::advance_day(instant now) {
  if (now.wall < next_reset_)
    return;
  const auto day = day_of(now.wall);
  if (day <= day_)
    return;
  day_ = day;
  next_reset_ = reset_of(day_ + date::days{1});
  calls_ = reserved_ = 0;
  bytes_ = bytes_stored_ = 0;
  exhausted_ = false;
  pending_.reset();  // an ack for the old day is ignored by on_persisted
}

bool ledger::day_spent() const {
  return exhausted_ || (policy_.daily_calls && calls_ >= *policy_.daily_calls);
}

bool ledger::bytes_spent() const {
  return policy_.daily_bytes && bytes_ >= *policy_.daily_bytes;
}

// --- granting -----------------------------------------------------------------

waiter_id ledger::enqueue(std::string fairness_key, std::string holder, instant now,
                          bool needs_bytes, std::string scope) {
  advance_day(now);
  const waiter_id id = next_waiter_++;
  auto [queue, fresh] = queues_.try_emplace(fairness_key);
  if (fresh)
    turn_.push_back(fairness_key);
  queue->second.push_back(id);
  waiters_.emplace(id, waiter{std::move(fairness_key), std::move(holder), needs_bytes, std::move(scope)});
  return id;
}

void ledger::evict_windows(mono_time now) {
  for (auto& log : window_log_)
    while (!log.empty() && log.front() <= now)
      log.pop_front();
  // A reported room whose reset has passed lets one call through (a probe);
  // its answer reports the room anew.
  for (auto& [scope, room] : rooms_)
    if (now >= room.until && room.until != mono_time::max())
      room = reported_room{1, mono_time::max()};
}

int ledger::window_used(std::size_t i) const {
  const auto& scope = policy_.windows[i].scope;
  const auto in_flight = std::count_if(permits_.begin(), permits_.end(),
                                       [&](const auto& p) { return binds(scope, p.second.scope); });
  return static_cast<int>(window_log_[i].size() + static_cast<std::size_t>(in_flight));
}

// A call of `scope` came back (or was reclaimed) at `released`: it leaves
// the windows binding it a length plus skew later.
void ledger::leave_windows(const std::string& scope, mono_time released) {
  for (std::size_t i = 0; i < window_log_.size(); ++i) {
    if (!binds(policy_.windows[i].scope, scope))
      continue;
    auto& log = window_log_[i];
    const auto leaves = released + policy_.windows[i].length + policy_.window_skew;
    log.insert(std::upper_bound(log.begin(), log.end(), leaves), leaves);
  }
}

// Call after evict_windows(now). The same for every waiter: what differs
// between waiters (bytes) is settled by deny_hopeless().
bool ledger::can_grant(instant now) const {
  if (closed_ || day_spent())
    return false;
  if (policy_.daily_calls && calls_ >= reserved_)
    return false;
  if (!policy_.windows.empty() &&
      (!windows_until_ || now.wall >= *windows_until_ || window_grants_ >= window_allowed_))
    return false;  // only on_persisted() unblocks
  if (now.mono < cooling_until_)
    return false;
  if (policy_.concurrency && permits_.size() >= static_cast<std::size_t>(*policy_.concurrency))
    return false;
  return true;
}

// Call after evict_windows(now): the windows and reported rooms that bind a
// call of `scope` have room for one more.
bool ledger::scope_allows(const std::string& scope, instant now) const {
  for (std::size_t i = 0; i < window_log_.size(); ++i)
    if (binds(policy_.windows[i].scope, scope) && window_used(i) >= policy_.windows[i].calls)
      return false;
  for (const auto& [room_scope, room] : rooms_)
    if (binds(room_scope, scope) && now.mono < room.until && room.left <= 0)
      return false;
  return true;
}

// When the windows and rooms binding `scope` next have room; nullopt while a
// probe's answer is awaited (a release wakes the owner). A window full of
// calls in flight frees when one comes back (a release wakes the owner) or,
// failing that, when the first lease binding it runs out.
std::optional<mono_time> ledger::scope_free_at(const std::string& scope, instant now) const {
  mono_time at = now.mono;
  for (std::size_t i = 0; i < window_log_.size(); ++i) {
    if (!binds(policy_.windows[i].scope, scope))
      continue;
    const auto& log = window_log_[i];
    const int over = window_used(i) - policy_.windows[i].calls;
    if (over < 0)
      continue;
    if (static_cast<std::size_t>(over) < log.size()) {
      at = std::max(at, log[static_cast<std::size_t>(over)]);  // the call whose leaving makes room
    } else {
      auto first_lease = mono_time::max();
      for (const auto& [id, p] : permits_)
        if (binds(policy_.windows[i].scope, p.scope))
          first_lease = std::min(first_lease, p.lease_expiry);
      at = std::max(at, first_lease);
    }
  }
  for (const auto& [room_scope, room] : rooms_) {
    if (!binds(room_scope, scope) || now.mono >= room.until || room.left > 0)
      continue;
    if (room.until == mono_time::max())
      return std::nullopt;
    at = std::max(at, room.until);
  }
  return at;
}

std::optional<mono_time> ledger::blocked_until(instant now) const {
  if (closed_ || day_spent())
    return std::nullopt;  // denied, nothing to wake for
  if (policy_.daily_calls && calls_ >= reserved_)
    return std::nullopt;  // only on_persisted() unblocks
  if (!policy_.windows.empty() &&
      (!windows_until_ || now.wall >= *windows_until_ || window_grants_ >= window_allowed_))
    return std::nullopt;
  mono_time at = std::max(now.mono, cooling_until_);
  // The first scope among the waiters' to have room.
  std::optional<mono_time> first_free;
  for (const auto& [id, w] : waiters_) {
    const auto free = scope_free_at(w.scope, now);
    if (free && (!first_free || *free < *first_free)) first_free = free;
  }
  if (!first_free)
    return std::nullopt;  // every waiter awaits a probe's answer
  at = std::max(at, *first_free);
  if (policy_.concurrency) {
    const auto limit = static_cast<std::size_t>(*policy_.concurrency);
    if (permits_.size() >= limit) {  // a release wakes the owner anyway; a lease is the fallback
      std::vector<mono_time> expiries;
      expiries.reserve(permits_.size());
      for (const auto& [id, p] : permits_)
        expiries.push_back(p.lease_expiry);
      std::sort(expiries.begin(), expiries.end());
      at = std::max(at, expiries[permits_.size() - limit]);
    }
  }
  return at;
}

// The next waiter in turn whose scope has room; a key whose front waiter's
// scope is full keeps its queue and goes to the back of the turn.
std::optional<waiter_id> ledger::next_in_turn(instant now) {
  auto drop_gone = [this](std::deque<waiter_id>& ids) {
    while (!ids.empty() && !waiters_.contains(ids.front()))
      ids.pop_front();
  };
  for (std::size_t tried = 0, keys = turn_.size(); tried < keys && !turn_.empty(); ++tried) {
    std::string key = std::move(turn_.front());
    turn_.pop_front();
    const auto queue = queues_.find(key);
    auto& ids = queue->second;
    drop_gone(ids);
    if (ids.empty()) {
      queues_.erase(queue);
      continue;
    }
    if (!scope_allows(waiters_.at(ids.front()).scope, now)) {
      turn_.push_back(std::move(key));
      continue;
    }
    const waiter_id id = ids.front();
    ids.pop_front();
    drop_gone(ids);
    if (ids.empty())
      queues_.erase(queue);
    else
      turn_.push_back(std::move(key));
    return id;
  }
  return std::nullopt;
}

void ledger::forget_empty_queues() {
  if (waiters_.empty()) {
    queues_.clear();
    turn_.clear();
  }
}

void ledger::deny_hopeless(decision& out) {
  const bool calls_gone = day_spent();
  const bool bytes_gone = bytes_spent();
  if (!calls_gone && !bytes_gone)
    return;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (calls_gone || it->second.needs_bytes) {
      std::string reason =
          calls_gone ? (exhausted_ ? "the server reports the day's call quota exhausted"
                                   : "daily call budget spent (" + std::to_string(calls_) + " of " +
                                         std::to_string(*policy_.daily_calls) + ")")
                     : "daily byte budget spent (" + std::to_string(bytes_) + " of " +
                           std::to_string(*policy_.daily_bytes) + " bytes)";
      out.denials.push_back(denial{it->first, std::move(reason), next_reset_});
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  forget_empty_queues();
}

void ledger::request_persist(decision& out, bool had_demand, instant now) {
  if (pending_ || closed_)
    return;  // one store at a time; close() made the last
  persisted_usage want{label(day_), reserved_, bytes_, windows_until_};
  bool needed = bytes_ != bytes_stored_;
  std::int64_t window_allowed = window_allowed_;
  if (!policy_.windows.empty() && had_demand) {
    // Renew the window reservations once half the horizon, or half the
    // block, is gone; every store carries the latest ones.
    const auto renew_at = windows_until_ ? *windows_until_ - policy_.window_horizon / 2 : wall_time::min();
    if (now.wall >= renew_at || window_allowed_ - window_grants_ <= window_block_ / 2) needed = true;
    want.windows_until = now.wall + policy_.window_horizon;
    window_allowed = std::max(window_allowed_, window_grants_) + window_block_;
  }
  if (policy_.daily_calls) {
    const std::int64_t ceiling = *policy_.daily_calls;
    if (exhausted_ && reserved_ < ceiling) {
      want.calls = ceiling;  // a restart must know the day is gone
      needed = true;
    } else if (had_demand && reserved_ < ceiling && reserved_ - calls_ <= block_ / 2) {
      // Ask while half a block is left, so steady traffic rarely waits.
      want.calls = std::min(ceiling, std::max(reserved_, calls_) + block_);
      needed = true;
    }
  } else {
    want.calls = calls_;  // no ceiling: stored for the record only
  }
  if (needed) {
    if (!policy_.windows.empty()) {  // listed only for a store: poll() runs on every call
      want.windows = window_calls(now);
      want.windows_ahead = window_allowed - window_grants_ + static_cast<std::int64_t>(permits_.size());
    }
    pending_ = want;
    window_allowed_pending_ = window_allowed;
    out.persist = std::move(want);
  }
}

decision ledger::poll(instant now) {
  decision out;
  advance_day(now);
  out.expired = expire(now);
  deny_hopeless(out);
  evict_windows(now.mono);
  while (!waiters_.empty() && can_grant(now)) {
    const auto id = next_in_turn(now);
    if (!id)
      break;  // every waiter's scope is full
    auto node = waiters_.extract(*id);
    const auto& scope = node.mapped().scope;
    const permit_id pid = next_permit_++;
    const mono_time expiry = now.mono + policy_.lease;
    ++calls_;  // windows count the permit while it is in flight
    if (!policy_.windows.empty()) ++window_grants_;
    for (auto& [room_scope, room] : rooms_)
      if (binds(room_scope, scope))
        --room.left;
    permits_.emplace(pid, permit{std::move(node.mapped().holder), expiry, day_, scope});
    out.grants.push_back(grant{*id, pid, expiry});
  }
  deny_hopeless(out);  // the grants may have spent the day
  if (!waiters_.empty())
    out.wake_at = blocked_until(now);
  request_persist(out, !waiters_.empty() || !out.grants.empty(), now);
  return out;
}

// --- permits --------------------------------------------------------------------

bool ledger::release(permit_id id, outcome what, instant now) {
  const auto it = permits_.find(id);
  if (it == permits_.end())
    return false;
  const auto granted_on = it->second.day;
  const auto scope = std::move(it->second.scope);
  permits_.erase(it);
  leave_windows(scope, now.mono);
  advance_day(now);
  // A probe that came back without a report (an error answer) leaves the
  // next call free to probe again.
  for (auto& [room_scope, room] : rooms_)
    if (binds(room_scope, scope) && room.until == mono_time::max())
      room.left = std::max<std::int64_t>(room.left, 1);
  if (what.room) {
    // Calls still in flight may not have reached the server's count yet.
    const auto in_flight = std::count_if(permits_.begin(), permits_.end(),
                                         [&](const auto& p) { return binds(scope, p.second.scope); });
    const reported_room fresh{what.room->remaining - in_flight, now.mono + what.room->reset_in};
    const auto [it, added] = rooms_.try_emplace(scope, fresh);
    auto& room = it->second;
    if (!added && (room.until == mono_time::max() || now.mono >= room.until)) {
      room = fresh;  // the probe's answer, or a report after the reset
    } else if (!added) {
      // Answers come back out of order: hold the most cautious reading of
      // the reports until the reset.
      room.left = std::min(room.left, fresh.left);
      room.until = std::max(room.until, fresh.until);
    }
  }
  switch (what.result) {
  case call_result::ok:
    consecutive_throttles_ = 0;
    break;
  case call_result::failed:
    break;
  case call_result::throttled: {
    // With the server's room for the scope (0 until its reset) only that
    // scope waits; otherwise every call cools down.
    if (!what.room) {
      const auto wait = what.retry_after ? std::max(*what.retry_after, std::chrono::milliseconds{0})
                                         : backoff(consecutive_throttles_);
      cooling_until_ = std::max(cooling_until_, now.mono + wait);
    }
    ++consecutive_throttles_;
    break;
  }
  case call_result::quota_exhausted:
    // A call granted before the last reset speaks of a day already over.
    if (granted_on == day_)
      exhausted_ = true;
    break;
  }
  return true;
}

std::optional<mono_time> ledger::renew(permit_id id, instant now) {
  const auto it = permits_.find(id);
  if (it == permits_.end() || it->second.lease_expiry <= now.mono)
    return std::nullopt;
  it->second.lease_expiry = now.mono + policy_.lease;
  return it->second.lease_expiry;
}

// A reclaimed permit's call may still have reached the server: it leaves the
// windows as if it came back now.
std::size_t ledger::expire(instant now) {
  return std::erase_if(permits_, [&](const auto& entry) {
    if (entry.second.lease_expiry > now.mono) return false;
    leave_windows(entry.second.scope, now.mono);
    return true;
  });
}

reclaimed ledger::reclaim_holder(const std::string& holder, instant now) {
  reclaimed out;
  out.permits = std::erase_if(permits_, [&](const auto& entry) {
    if (entry.second.holder != holder) return false;
    leave_windows(entry.second.scope, now.mono);
    return true;
  });
  out.waiters =
      std::erase_if(waiters_, [&](const auto& entry) { return entry.second.holder == holder; });
  forget_empty_queues();
  return out;
}

bool ledger::cancel(waiter_id id) {
  const bool found = waiters_.erase(id) > 0;
  forget_empty_queues();
  return found;
}

// --- usage --------------------------------------------------------------------

void ledger::charge_bytes(std::int64_t bytes, instant now) {
  advance_day(now);
  if (bytes > 0)
    bytes_ += bytes;
}

std::optional<std::int64_t> ledger::bytes_remaining() const {
  if (!policy_.daily_bytes)
    return std::nullopt;
  return std::max<std::int64_t>(0, *policy_.daily_bytes - bytes_);
}

void ledger::reconcile(std::int64_t server_calls_today, instant now) {
  advance_day(now);
  calls_ = std::max(calls_, server_calls_today);
}

void ledger::on_persisted(const persisted_usage& stored) {
  if (stored.windows_until && (!windows_until_ || *stored.windows_until > *windows_until_))
    windows_until_ = stored.windows_until;  // windows outlive days
  if (pending_ && stored.windows_ahead == pending_->windows_ahead && stored.windows == pending_->windows)
    window_allowed_ = std::max(window_allowed_, window_allowed_pending_);
  if (stored.day != label(day_))
    return;
  reserved_ = std::max(reserved_, stored.calls);
  bytes_stored_ = std::max(bytes_stored_, stored.bytes);
  if (pending_ && stored.calls >= pending_->calls && stored.bytes >= pending_->bytes &&
      stored.windows_until >= pending_->windows_until)
    pending_.reset();
}

void ledger::on_persist_failed() {
  pending_.reset();
}

persisted_usage ledger::close(instant now) {
  advance_day(now);
  evict_windows(now.mono);
  closed_ = true;
  persisted_usage out{label(day_), calls_, bytes_, windows_until_};
  if (policy_.daily_calls && exhausted_)
    out.calls = *policy_.daily_calls;  // a restart must know the day is gone
  if (policy_.windows.empty())
    return out;
  out.windows_until = now.wall;
  out.windows = window_calls(now);
  for (auto& kept : out.windows)
    for (const auto& [id, p] : permits_)
      if (kept.scope.empty() || kept.scope == p.scope)
        kept.released.push_back(now.wall);  // abandoned: as if answered now
  return out;
}

// Per window, when each released call still in it was released (after
// evict_windows(now)); calls in flight are not listed.
std::vector<persisted_usage::window_calls> ledger::window_calls(instant now) const {
  std::vector<persisted_usage::window_calls> out;
  for (std::size_t i = 0; i < window_log_.size(); ++i) {
    const auto& w = policy_.windows[i];
    const auto span = w.length + policy_.window_skew;
    persisted_usage::window_calls kept{w.scope, std::chrono::duration_cast<std::chrono::milliseconds>(span), {}};
    for (const auto leaves : window_log_[i])
      kept.released.push_back(now.wall + (leaves - span - now.mono));
    out.push_back(std::move(kept));
  }
  return out;
}

quota::snapshot ledger::snapshot(instant now) {
  advance_day(now);
  evict_windows(now.mono);
  quota::snapshot out;
  out.day = label(day_);
  out.calls_today = calls_;
  out.daily_limit = policy_.daily_calls;
  if (policy_.daily_calls)
    out.daily_remaining = exhausted_ ? 0 : std::max<std::int64_t>(0, *policy_.daily_calls - calls_);
  out.reserved = reserved_;
  out.windows_until = windows_until_;
  out.bytes_today = bytes_;
  out.bytes_remaining = bytes_remaining();
  out.in_flight = permits_.size();
  out.queued = waiters_.size();
  out.next_reset = next_reset_;
  if (cooling_until_ > now.mono)
    out.cooling_until = cooling_until_;
  for (std::size_t i = 0; i < window_log_.size(); ++i)
    out.windows.push_back(window_usage{policy_.windows[i], window_used(i)});
  return out;
}

} // namespace quarry::quota
