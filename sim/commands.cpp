#include "sim/commands.hpp"

#include "sim/bronto.hpp"
#include "sim/constant_contact.hpp"
#include "sim/kustomer.hpp"
#include "sim/listrak.hpp"
#include "sim/marketo.hpp"
#include "sim/synthetic.hpp"
#include "sim/timestamps.hpp"

#include <CLI/CLI.hpp>

#include <charconv>
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <pthread.h>
#include <stdexcept>

namespace quarry::sim {

namespace {

// Flags every simulator shares: where to listen, latency, faults, limits.
struct server_flags {
  server_options options;
  std::int64_t daily = 0;
  std::int64_t concurrency = 0;
  std::vector<std::string> windows;
  std::vector<std::string> readings;
  CLI::Option* daily_opt = nullptr;
  CLI::Option* concurrency_opt = nullptr;

  void add_to(CLI::App& cmd) {
    cmd.add_option("--port", options.port, "port to listen on (0: any free port)")
        ->required()
        ->check(CLI::Range(0, 65535));
    cmd.add_option("--host", options.host, "address to listen on")->capture_default_str();
    cmd.add_option("--latency-ms", options.latency_ms, "added to every API call")
        ->check(CLI::NonNegativeNumber);
    cmd.add_option("--fault-rate", options.fault_rate,
                   "fraction of calls answered 500 or stalled, then 500")
        ->check(CLI::Range(0.0, 1.0));
    cmd.add_option("--fault-stall-ms", options.fault_stall_ms, "how long a stalled call hangs")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    daily_opt = cmd.add_option("--daily-limit", daily, "API calls per sim-clock UTC day")
                    ->check(CLI::NonNegativeNumber);
    cmd.add_option("--window", windows, "at most CALLS calls in any SECONDS seconds")
        ->type_name("CALLS/SECONDS")
        ->check(CLI::Validator(
            [](std::string& text) {
              const auto parsed = parse_window_limit(text);
              return parsed ? std::string() : parsed.error().message;
            },
            "CALLS/SECONDS"));
    concurrency_opt = cmd.add_option("--concurrency", concurrency, "API calls in flight at once")
                          ->check(CLI::PositiveNumber);
    cmd.add_option("--malformed-path", options.malformed_paths,
                   "path prefix whose responses are corrupt JSON");
    cmd.add_option("--reading", readings,
                   "how to read what the vendor's docs leave open, e.g. since_bound=exclusive "
                   "(GET /_sim/readings lists them)")
        ->type_name("NAME=VALUE");
  }

  server_options resolve() const {
    server_options out = options;
    if (daily_opt->count() > 0) out.limits.daily = daily;
    if (concurrency_opt->count() > 0) out.limits.concurrency = concurrency;
    for (const auto& w : windows) out.limits.windows.push_back(*parse_window_limit(w));
    for (const auto& r : readings) {
      const auto eq = r.find('=');
      if (eq == std::string::npos || eq == 0)
        throw CLI::ValidationError("--reading", "expected NAME=VALUE, got " + r);
      out.readings.emplace_back(r.substr(0, eq), r.substr(eq + 1));
    }
    return out;
  }
};

// SIGINT and SIGTERM blocked in this thread (and in threads it starts) for
// the guard's lifetime, so sigwait can take them.
class blocked_stop_signals {
 public:
  blocked_stop_signals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
  }
  ~blocked_stop_signals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  blocked_stop_signals(const blocked_stop_signals&) = delete;
  blocked_stop_signals& operator=(const blocked_stop_signals&) = delete;

  int wait() const {
    int signal = 0;
    while (sigwait(&set_, &signal) != 0) {}
    return signal;
  }

 private:
  sigset_t set_;
  sigset_t previous_;
};

// Starts `sim`, announces it, serves until a stop signal.
template <class Simulator>
void serve_until_signal(std::string_view name, Simulator& sim) {
  blocked_stop_signals signals;  // before start(): server threads inherit the mask
  try {
    sim.start();
  } catch (const std::exception& e) {
    std::cerr << name << " simulator: " << e.what() << '\n';
    throw CLI::RuntimeError(1);
  }
  std::cout << name << " simulator listening on " << sim.base_url() << std::endl;
  signals.wait();
  sim.stop();
}

void add_synthetic(CLI::App& sim) {
  auto* cmd = sim.add_subcommand("synthetic", "a small REST API with parent and child streams");
  auto flags = std::make_shared<server_flags>();
  auto options = std::make_shared<synthetic_options>();
  flags->add_to(*cmd);
  cmd->add_option("--seed", options->seed, "dataset seed")->capture_default_str();
  cmd->add_option("--accounts", options->accounts, "parent records")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--events-per-account", options->events_per_account, "child records each")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--users", options->users, "users")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--api-key", options->api_key, "the bearer token clients must send")
      ->capture_default_str();
  cmd->callback([flags, options] {
    synthetic_options resolved = *options;
    resolved.server = flags->resolve();
    synthetic_simulator simulator(std::move(resolved));
    serve_until_signal("synthetic", simulator);
  });
}


// `quarry sim bronto`: Bronto SOAP API v4 (apis.md section 2).
void add_bronto(CLI::App& sim) {
  auto* cmd = sim.add_subcommand("bronto", "Bronto SOAP API v4 (apis.md section 2)");
  auto flags = std::make_shared<server_flags>();
  auto options = std::make_shared<bronto_options>();
  flags->add_to(*cmd);
  cmd->add_option("--seed", options->data.seed, "dataset seed")->capture_default_str();
  cmd->add_option("--contacts", options->data.contacts, "contacts")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--lists", options->data.lists, "mail lists")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--unsubscribes", options->data.unsubscribes, "unsubscribes")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--inbound", options->data.inbound, "inbound activities")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--outbound", options->data.outbound, "outbound activities")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--days", options->data.days, "days before now over which records are created")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--api-token", options->api_token, "the apiToken login accepts")
      ->capture_default_str();
  cmd->add_option("--page-size", options->page_size, "records per readContacts/readUnsubscribes page")
      ->capture_default_str()
      ->check(CLI::Range(1, 5000));
  cmd->add_option("--session-idle-s", options->session_idle_s, "idle seconds before a session expires (103)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->callback([flags, options] {
    bronto_options resolved = *options;
    resolved.data.start = 0;  // data.days before now
    resolved.server = flags->resolve();
    try {
      bronto_simulator simulator(std::move(resolved));
      serve_until_signal("bronto", simulator);
    } catch (const std::invalid_argument& e) {
      std::cerr << "bronto simulator: " << e.what() << '\n';
      throw CLI::RuntimeError(1);
    }
  });
}

// `quarry sim listrak`: Listrak SOAP API v31 (apis.md section 3).
void add_listrak(CLI::App& sim) {
  auto* cmd = sim.add_subcommand("listrak", "Listrak SOAP API v31 (apis.md section 3)");
  auto flags = std::make_shared<server_flags>();
  auto options = std::make_shared<listrak_options>();
  flags->add_to(*cmd);  // no limits unless given: Listrak documents none
  cmd->add_option("--seed", options->data.seed, "dataset seed")->capture_default_str();
  cmd->add_option("--lists", options->data.lists, "contact lists")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--messages-per-list", options->data.messages_per_list, "messages sent to each list")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--recipients-per-message", options->data.recipients_per_message,
                  "recipients of each message (at most the list's subscribers)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--subscribers-per-list", options->data.subscribers_per_list, "subscribers of each list")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--data-days", options->data.days, "messages are sent over this many days, ending now")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--page-size", options->page_size, "records per page of the paged reports")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--username", options->username, "WSUser UserName")->capture_default_str();
  cmd->add_option("--password", options->password, "WSUser Password")->capture_default_str();
  cmd->callback([flags, options] {
    listrak_options resolved = *options;
    resolved.data.start = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() -
                          resolved.data.days * 86400;
    resolved.server = flags->resolve();
    try {
      listrak_simulator simulator(std::move(resolved));
      serve_until_signal("listrak", simulator);
    } catch (const std::invalid_argument& e) {
      std::cerr << "listrak simulator: " << e.what() << '\n';
      throw CLI::RuntimeError(1);
    }
  });
}

// `quarry sim kustomer`: Kustomer API v1 (apis.md section 4).
void add_kustomer(CLI::App& sim) {
  auto* cmd = sim.add_subcommand("kustomer", "Kustomer API v1 search and lists (apis.md section 4)");
  auto flags = std::make_shared<server_flags>();
  auto options = std::make_shared<kustomer_options>();
  flags->add_to(*cmd);  // --window is replaced by the org and search budgets
  cmd->add_option("--seed", options->data.seed, "dataset seed")->capture_default_str();
  for (std::size_t k = 0; k < kustomer_kind_count; ++k)
    cmd->add_option("--" + std::string(plural_name(static_cast<kustomer_kind>(k))), options->data.counts[k],
                    "records of this kind")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
  cmd->add_option("--days", options->data.days, "days (from 2024-01-01) over which records are updated")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--same-updated-at", options->data.same_updated_at,
                  "this many customers share one updatedAt")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--api-key", options->api_key, "the bearer API key clients must send")
      ->capture_default_str();
  cmd->add_option("--org-per-minute", options->org_per_minute, "the org's calls per minute (plan)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--search-per-minute", options->search_per_minute, "API-key searches per minute")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--window-seconds", options->window_seconds, "length of both rate windows")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-search-hits", options->max_search_hits, "how deep one search can page")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->callback([flags, options] {
    kustomer_options resolved = *options;
    resolved.server = flags->resolve();
    try {
      kustomer_simulator simulator(std::move(resolved));
      serve_until_signal("kustomer", simulator);
    } catch (const std::invalid_argument& e) {
      std::cerr << "kustomer simulator: " << e.what() << '\n';
      throw CLI::RuntimeError(1);
    }
  });
}

void add_marketo(CLI::App& sim) {
  auto* cmd = sim.add_subcommand("marketo", "Marketo REST and Bulk Extract (apis.md section 1)");
  auto flags = std::make_shared<server_flags>();
  auto options = std::make_shared<marketo_options>();
  auto export_mb = std::make_shared<std::int64_t>(options->export_daily_mb);
  auto no_updated_at = std::make_shared<bool>(false);
  flags->add_to(*cmd);  // --daily-limit (default 50000), --window (default 100/20), --concurrency (10)
  cmd->add_option("--seed", options->data.seed, "dataset seed")->capture_default_str();
  cmd->add_option("--leads", options->data.leads, "leads")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--activities", options->data.activities, "activities")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--campaigns", options->data.campaigns, "campaigns")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--lists", options->data.lists, "static lists")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--programs", options->data.programs, "programs")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--client-id", options->client_id, "identity client_id")->capture_default_str();
  cmd->add_option("--client-secret", options->client_secret, "identity client_secret")
      ->capture_default_str();
  cmd->add_option("--token-ttl-s", options->token_ttl_s, "access token lifetime")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--export-daily-mb", *export_mb, "bulk export MB per day (1029 beyond)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--export-seconds-per-mb", options->export_seconds_per_mb,
                  "simulated export processing time")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--export-fail-rate", options->export_fail_rate,
                  "fraction of export jobs that end Failed")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--no-updated-at-filter", *no_updated_at,
                "answer 1035 to a leads export with an updatedAt filter");
  auto data_start = std::make_shared<std::string>("2024-01-01");
  cmd->add_option("--data-start", *data_start,
                  "records are created from this UTC date (YYYY-MM-DD), or \"recent\": "
                  "--data-days before now")
      ->capture_default_str();
  cmd->add_option("--data-days", options->data.days, "days over which records are created")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->callback([flags, options, export_mb, no_updated_at, data_start] {
    marketo_options resolved = *options;
    if (*data_start == "recent") {
      resolved.data.start = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count() -
                            resolved.data.days * 86400;
    } else if (const auto us = parse_rfc3339_us(*data_start + "T00:00:00Z");
               us && data_start->size() == 10) {
      resolved.data.start = *us / 1000000;
    } else {
      std::cerr << "quarry sim marketo: --data-start must be YYYY-MM-DD or recent, got \""
                << *data_start << "\"\n";
      throw CLI::RuntimeError(2);
    }
    resolved.server = flags->resolve();
    if (resolved.server.limits.daily) resolved.daily_limit = *resolved.server.limits.daily;
    if (!resolved.server.limits.windows.empty()) {
      resolved.rate_calls = resolved.server.limits.windows.front().calls;
      resolved.rate_seconds = resolved.server.limits.windows.front().seconds;
    }
    if (resolved.server.limits.concurrency)
      resolved.concurrency = *resolved.server.limits.concurrency;
    resolved.export_daily_mb = *export_mb;
    resolved.updated_at_filter = !*no_updated_at;
    try {
      marketo_simulator simulator(std::move(resolved));
      serve_until_signal("marketo", simulator);
    } catch (const std::invalid_argument& e) {
      std::cerr << "marketo simulator: " << e.what() << '\n';
      throw CLI::RuntimeError(1);
    }
  });
}

// `quarry sim constant-contact`: Constant Contact v3 (apis.md section 5).
void add_constant_contact(CLI::App& sim) {
  auto* cmd = sim.add_subcommand("constant-contact", "Constant Contact API v3 (apis.md section 5)");
  auto flags = std::make_shared<server_flags>();
  auto options = std::make_shared<constant_contact_options>();
  flags->add_to(*cmd);  // --daily-limit (default 10000), --window (default 4/1)
  auto& d = options->data;
  cmd->add_option("--seed", d.seed, "dataset seed")->capture_default_str();
  cmd->add_option("--contacts", d.contacts, "contacts")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--lists", d.lists, "contact lists")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--custom-fields", d.custom_fields, "contact custom fields")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--campaigns", d.campaigns, "email campaigns")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--activities-per-campaign", d.activities_per_campaign, "primary_email activities each")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--recipients", d.recipients, "recipients of each activity")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--data-days", d.days, "records are created over this many days, ending now")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--horizon-days", d.horizon_days, "tracking events come up to this long after a send")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--client-id", options->client_id, "OAuth client_id")->capture_default_str();
  cmd->add_option("--client-secret", options->client_secret, "OAuth client_secret")->capture_default_str();
  cmd->add_option("--refresh-token", options->refresh_token, "the first refresh token")->capture_default_str();
  cmd->add_option("--access-ttl-s", options->access_ttl_s, "access token lifetime")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--refresh-grace-s", options->refresh_grace_s, "how long a rotated refresh token still works")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->callback([flags, options] {
    constant_contact_options resolved = *options;
    resolved.server = flags->resolve();
    if (resolved.server.limits.daily) resolved.daily_limit = *resolved.server.limits.daily;
    if (!resolved.server.limits.windows.empty()) {
      resolved.rate_calls = resolved.server.limits.windows.front().calls;
      resolved.rate_seconds = resolved.server.limits.windows.front().seconds;
    }
    try {
      constant_contact_simulator simulator(std::move(resolved));
      serve_until_signal("constant-contact", simulator);
    } catch (const std::invalid_argument& e) {
      std::cerr << "constant-contact simulator: " << e.what() << '\n';
      throw CLI::RuntimeError(1);
    }
  });
}

} // namespace

void add_sim_commands(CLI::App& sim) {
  add_synthetic(sim);
  add_marketo(sim);
  add_constant_contact(sim);
  add_bronto(sim);
  add_listrak(sim);
  add_kustomer(sim);
}

result<window_limit> parse_window_limit(std::string_view text) {
  const auto fail = [&] {
    return make_error(error_kind::fatal,
                      "expected CALLS/SECONDS such as 100/20, got \"" + std::string(text) + "\"");
  };
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return fail();
  window_limit out;
  const char* end = text.data() + slash;
  auto [p1, e1] = std::from_chars(text.data(), end, out.calls);
  if (e1 != std::errc{} || p1 != end || out.calls < 1) return fail();
  const char* s_end = text.data() + text.size();
  auto [p2, e2] = std::from_chars(end + 1, s_end, out.seconds);
  if (e2 != std::errc{} || p2 != s_end || !(out.seconds > 0)) return fail();
  return out;
}

} // namespace quarry::sim
