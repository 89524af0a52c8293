#include "sim/synthetic_data.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <mutex>
#include <numeric>
#include <random>
#include <stdexcept>

namespace quarry::sim {

namespace {

constexpr std::int64_t first_second = 1704067200;  // 2024-01-01T00:00:00Z
constexpr std::int64_t span_seconds = 63158400;     // two years, to 2026-01-01

constexpr std::array<std::string_view, 4> tiers{"bronze", "silver", "gold", "platinum"};
constexpr std::array<std::string_view, 5> event_types{"click", "view", "purchase", "signup",
                                                      "refund"};
constexpr std::array<std::string_view, 3> roles{"admin", "member", "viewer"};

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// An independent, reproducible stream for (seed, stream, n).
std::mt19937_64 stream_rng(std::uint64_t seed, std::uint64_t stream, std::uint64_t n) {
  return std::mt19937_64(splitmix64(splitmix64(seed ^ stream) + n));
}

constexpr std::uint64_t account_stream = 0xACC0;
constexpr std::uint64_t user_stream = 0x05E4;
constexpr std::uint64_t mutation_stream = 0x3077;

int width_for(int count, int minimum) {
  int digits = 1;
  for (int n = count; n >= 10; n /= 10) ++digits;
  return std::max(digits, minimum);
}

std::string padded(std::string_view prefix, std::uint32_t n, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*u", width, n);
  return std::string(prefix) + buf;
}

// Parses exactly `width` digits (or more, if the number needs them).
std::optional<std::uint32_t> parse_number(std::string_view digits, int width) {
  if (static_cast<int>(digits.size()) < width) return std::nullopt;
  std::uint32_t n = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || ptr != digits.data() + digits.size()) return std::nullopt;
  if (static_cast<int>(digits.size()) > width && digits.front() == '0') return std::nullopt;
  return n;
}

bool event_less(const event_row& a, const event_row& b) {
  return a.occurred_at != b.occurred_at ? a.occurred_at < b.occurred_at : a.seq < b.seq;
}

template <class Row>
page<Row> slice(const std::vector<Row>& rows, std::size_t start, int limit) {
  page<Row> out;
  const std::size_t end = std::min(rows.size(), start + static_cast<std::size_t>(limit));
  if (start < end) out.rows.assign(rows.begin() + static_cast<std::ptrdiff_t>(start),
                                   rows.begin() + static_cast<std::ptrdiff_t>(end));
  out.more = end < rows.size();
  return out;
}

} // namespace

synthetic_data::synthetic_data(const synthetic_shape& shape)
    : seed_(shape.seed), account_width_(width_for(shape.accounts, 5)),
      seq_width_(width_for(shape.events_per_account, 4)), user_width_(width_for(shape.users, 4)) {
  if (shape.accounts < 0 || shape.events_per_account < 0 || shape.users < 0)
    throw std::invalid_argument("accounts, events_per_account and users cannot be negative");
  const auto n_accounts = static_cast<std::uint32_t>(shape.accounts);
  accounts_.resize(n_accounts);
  events_.resize(n_accounts);
  for (std::uint32_t number = 1; number <= n_accounts; ++number) {
    auto rng = stream_rng(seed_, account_stream, number);
    auto& account = accounts_[number - 1];
    account.number = number;
    account.tier = static_cast<std::uint8_t>(rng() % tiers.size());
    account.updated_at = first_second + static_cast<std::int64_t>(rng() % span_seconds);
    auto& events = events_[number - 1];
    events.resize(static_cast<std::size_t>(shape.events_per_account));
    for (std::uint32_t seq = 1; seq <= events.size(); ++seq) {
      auto& e = events[seq - 1];
      e.account = number;
      e.seq = seq;
      e.occurred_at = first_second + static_cast<std::int64_t>(rng() % span_seconds);
      e.type = static_cast<std::uint8_t>(rng() % event_types.size());
      e.value = static_cast<std::int32_t>(rng() % 1000);
    }
    std::sort(events.begin(), events.end(), event_less);
  }
  users_.resize(static_cast<std::size_t>(shape.users));
  for (std::uint32_t number = 1; number <= users_.size(); ++number) {
    auto rng = stream_rng(seed_, user_stream, number);
    users_[number - 1] = {number, static_cast<std::uint8_t>(rng() % roles.size())};
  }
  sort_order();
}

void synthetic_data::sort_order() {
  order_.resize(accounts_.size());
  std::iota(order_.begin(), order_.end(), 0u);
  std::sort(order_.begin(), order_.end(), [this](std::uint32_t a, std::uint32_t b) {
    const auto& x = accounts_[a];
    const auto& y = accounts_[b];
    return x.updated_at != y.updated_at ? x.updated_at < y.updated_at : x.number < y.number;
  });
}

std::optional<std::uint32_t> synthetic_data::parse_account(std::string_view digits) const {
  const auto n = parse_number(digits, account_width_);
  if (!n || *n < 1 || *n > accounts_.size()) return std::nullopt;
  return n;
}

std::optional<std::uint32_t> synthetic_data::account_number(std::string_view id) const {
  if (!id.starts_with("acc-")) return std::nullopt;
  return parse_account(id.substr(4));
}

std::optional<page<account_row>> synthetic_data::accounts_page(const page_query& q) const {
  std::shared_lock lock(mu_);
  std::size_t start = 0;
  if (q.since_us) {
    const auto it = std::partition_point(order_.begin(), order_.end(), [&](std::uint32_t i) {
      return accounts_[i].updated_at * 1'000'000 <= *q.since_us;
    });
    start = static_cast<std::size_t>(it - order_.begin());
  }
  if (q.after) {
    // Any well-formed account number is a valid cursor, existing or not.
    if (!q.after->id.starts_with("acc-")) return std::nullopt;
    const auto number = parse_number(std::string_view(q.after->id).substr(4), account_width_);
    if (!number) return std::nullopt;
    const auto key = std::pair{q.after->key, *number};
    const auto it = std::partition_point(order_.begin(), order_.end(), [&](std::uint32_t i) {
      return std::pair{accounts_[i].updated_at, accounts_[i].number} <= key;
    });
    start = std::max(start, static_cast<std::size_t>(it - order_.begin()));
  }
  page<account_row> out;
  const std::size_t end = std::min(order_.size(), start + static_cast<std::size_t>(q.limit));
  for (std::size_t i = start; i < end; ++i) out.rows.push_back(accounts_[order_[i]]);
  out.more = end < order_.size();
  return out;
}

std::optional<page<event_row>> synthetic_data::events_page(std::uint32_t account,
                                                          const page_query& q) const {
  std::shared_lock lock(mu_);
  const auto& events = events_.at(account - 1);
  std::size_t start = 0;
  if (q.since_us) {
    const auto it = std::partition_point(events.begin(), events.end(), [&](const event_row& e) {
      return e.occurred_at * 1'000'000 <= *q.since_us;
    });
    start = static_cast<std::size_t>(it - events.begin());
  }
  if (q.after) {
    // "evt-<account>-<seq>", and the account must be this one.
    const std::string expected = account_id(account).replace(0, 3, "evt") + "-";
    if (!q.after->id.starts_with(expected)) return std::nullopt;
    const auto seq = parse_number(std::string_view(q.after->id).substr(expected.size()), seq_width_);
    if (!seq) return std::nullopt;
    const auto key = std::pair{q.after->key, *seq};
    const auto it = std::partition_point(events.begin(), events.end(), [&](const event_row& e) {
      return std::pair{e.occurred_at, e.seq} <= key;
    });
    start = std::max(start, static_cast<std::size_t>(it - events.begin()));
  }
  return slice(events, start, q.limit);
}

std::vector<user_row> synthetic_data::users_page(std::int64_t page, std::int64_t per_page) const {
  std::shared_lock lock(mu_);
  if (page < 1 || per_page < 1) return {};
  const auto size = static_cast<std::int64_t>(users_.size());
  if ((page - 1) > size / per_page) return {};
  const auto start = (page - 1) * per_page;
  return slice(users_, static_cast<std::size_t>(std::min(start, size)),
               static_cast<int>(per_page)).rows;
}

std::string synthetic_data::account_id(std::uint32_t number) const {
  return padded("acc-", number, account_width_);
}

std::string synthetic_data::event_id(const event_row& e) const {
  return padded("evt-", e.account, account_width_) + padded("-", e.seq, seq_width_);
}

std::string synthetic_data::user_id(std::uint32_t number) const {
  return padded("usr-", number, user_width_);
}

std::string_view synthetic_data::tier_name(std::uint8_t tier) { return tiers.at(tier); }
std::string_view synthetic_data::event_type_name(std::uint8_t type) {
  return event_types.at(type);
}
std::string_view synthetic_data::role_name(std::uint8_t role) { return roles.at(role); }

synthetic_mutation synthetic_data::mutate(int touch_accounts, int add_events, std::int64_t now) {
  std::unique_lock lock(mu_);
  auto rng = stream_rng(seed_, mutation_stream, mutations_++);
  synthetic_mutation out;
  const auto n = static_cast<std::uint32_t>(accounts_.size());
  if (n == 0) return out;

  // Choose min(K, n) distinct accounts: a partial Fisher-Yates shuffle.
  const auto k = static_cast<std::uint32_t>(std::clamp<std::int64_t>(touch_accounts, 0, n));
  if (k > 0) {
    std::vector<std::uint32_t> pick(n);
    std::iota(pick.begin(), pick.end(), 1u);
    for (std::uint32_t i = 0; i < k; ++i) {
      const auto j = i + static_cast<std::uint32_t>(rng() % (n - i));
      std::swap(pick[i], pick[j]);
    }
    pick.resize(k);
    std::sort(pick.begin(), pick.end());
    for (const auto number : pick) {
      accounts_[number - 1].updated_at = now;
      out.touched_accounts.push_back(account_id(number));
    }
    sort_order();
  }

  for (int i = 0; i < add_events; ++i) {
    const auto number = static_cast<std::uint32_t>(rng() % n) + 1;
    auto& events = events_[number - 1];
    event_row e;
    e.account = number;
    e.seq = static_cast<std::uint32_t>(events.size()) + 1;
    e.occurred_at = now;
    e.type = static_cast<std::uint8_t>(rng() % event_types.size());
    e.value = static_cast<std::int32_t>(rng() % 1000);
    events.insert(std::upper_bound(events.begin(), events.end(), e, event_less), e);
    out.added_events.push_back(event_id(e));
    // An account changes when it gains an event (as parents do in the APIs
    // this models): its updated_at moves, so incremental readers find it.
    accounts_[number - 1].updated_at = now;
    const auto id = account_id(number);
    if (std::find(out.touched_accounts.begin(), out.touched_accounts.end(), id) ==
        out.touched_accounts.end())
      out.touched_accounts.push_back(id);
  }
  if (add_events > 0) {
    std::sort(out.touched_accounts.begin(), out.touched_accounts.end());
    sort_order();
  }
  return out;
}

std::vector<account_row> synthetic_data::all_accounts() const {
  std::shared_lock lock(mu_);
  std::vector<account_row> out;
  out.reserve(order_.size());
  for (const auto i : order_) out.push_back(accounts_[i]);
  return out;
}

std::vector<event_row> synthetic_data::all_events() const {
  std::shared_lock lock(mu_);
  std::vector<event_row> out;
  for (const auto& events : events_) out.insert(out.end(), events.begin(), events.end());
  return out;
}

std::vector<user_row> synthetic_data::all_users() const {
  std::shared_lock lock(mu_);
  return users_;
}

} // namespace quarry::sim
