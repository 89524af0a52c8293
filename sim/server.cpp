#include "sim/server.hpp"

#include "sim/call_ledger.hpp"
#include "sim/timestamps.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <random>
#include <regex>
#include <stdexcept>
#include <thread>

namespace quarry::sim {

namespace {

constexpr std::size_t pool_threads = 64;

// "/v1/accounts/{id}/events" -> regex "/v1/accounts/([^/]+)/events", names {"id"}.
struct compiled_template {
  std::string regex;
  std::vector<std::string> names;
};

compiled_template compile(std::string_view path_template) {
  compiled_template out;
  for (std::size_t i = 0; i < path_template.size(); ++i) {
    const char c = path_template[i];
    if (c == '{') {
      const auto close = path_template.find('}', i);
      if (close == std::string_view::npos)
        throw std::invalid_argument("unclosed { in path template " + std::string(path_template));
      out.names.emplace_back(path_template.substr(i + 1, close - i - 1));
      out.regex += "([^/]+)";
      i = close;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' ||
               c == '-') {
      out.regex += c;
    } else {
      out.regex += '\\';
      out.regex += c;
    }
  }
  return out;
}

request to_request(const httplib::Request& in, const std::vector<std::string>& names) {
  request out;
  out.method = in.method;
  out.path = in.path;
  for (std::size_t i = 0; i < names.size() && i + 1 < in.matches.size(); ++i)
    out.path_params.emplace(names[i], in.matches[i + 1].str());
  for (const auto& [k, v] : in.params) out.query.emplace(k, v);
  for (const auto& [k, v] : in.headers) {
    std::string lower = k;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    out.headers.emplace(std::move(lower), v);
  }
  out.body = in.body;
  return out;
}

// True when Accept-Encoding lists gzip (or *) without q=0.
bool accepts_gzip(const httplib::Request& req) {
  const auto header = req.get_header_value("Accept-Encoding");
  std::size_t pos = 0;
  while (pos <= header.size()) {
    auto end = header.find(',', pos);
    if (end == std::string::npos) end = header.size();
    std::string item = header.substr(pos, end - pos);
    pos = end + 1;
    std::erase_if(item, [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
    const auto semi = item.find(';');
    const auto coding = item.substr(0, semi);
    const bool refused = semi != std::string::npos && item.substr(semi) == ";q=0";
    if ((coding == "gzip" || coding == "*") && !refused) return true;
  }
  return false;
}

// gzip at level 1: what a busy API front end spends on a page, and a few
// milliseconds a megabyte here.
std::string gzip(const std::string& in) {
  z_stream zs{};
  if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  return out;
}

// Every answer goes out with its length up front through a content provider,
// which cpp-httplib never compresses: left to itself it would brotli-compress
// at quality 11 for clients that accept br (libcurl does), seconds for a page
// and most of the CPU of a bench. The simulator gzips instead, as the real
// APIs do, unless the response asks to go out as it is.
void write(const response& in, const httplib::Request& req, httplib::Response& out) {
  out.status = in.status;
  for (const auto& [k, v] : in.headers) out.set_header(k, v);
  if (in.body.empty()) {
    out.set_content("", in.content_type);
    return;
  }
  const bool compress = !in.uncompressed && !in.cut_after && accepts_gzip(req);
  auto body = std::make_shared<std::string>(compress ? gzip(in.body) : in.body);
  if (compress) out.set_header("Content-Encoding", "gzip");
  // A cut-short answer: Content-Length says the whole body, the provider
  // stops early, and cpp-httplib closes the connection when a provider fails.
  const std::size_t cut = std::min(in.cut_after.value_or(body->size()), body->size());
  out.set_content_provider(
      body->size(), in.content_type,
      [body, cut](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        if (offset >= cut) return false;
        const auto n = std::min(length, cut - offset);
        sink.write(body->data() + offset, n);
        return offset + n < cut || cut == body->size();
      });
}

std::string error_json(std::string_view code) {
  return nlohmann::json{{"error", code}}.dump();
}

void default_rejection(const rejection& why, const request&, response& res) {
  switch (why.kind) {
    case limit_kind::daily:
      res.json(429, error_json("quota_exceeded"));
      break;
    case limit_kind::window: {
      res.json(429, error_json("rate_limited"));
      const auto wait = std::max<long long>(1, std::llround(std::ceil(why.retry_after_s)));
      res.headers.emplace_back("Retry-After", std::to_string(wait));
      break;
    }
    case limit_kind::concurrency:
      res.json(429, error_json("too_many_concurrent"));
      break;
  }
}

void default_fault(const request&, response& res) {
  res.json(500, error_json("internal_error"));
}

// Any JSON text followed by '<' is invalid, and half of an object is too.
void corrupt(std::string& body) {
  body.resize(body.size() / 2);
  body += "<!-- corrupt";
}

enum class fault_kind { none, error, stall };

} // namespace

struct server::impl {
  explicit impl(server_options o)
      : options(std::move(o)), ledger(options.limits, clock),
        rng(options.fault_seed) {
    if (!(options.fault_rate >= 0 && options.fault_rate <= 1))
      throw std::invalid_argument("fault_rate must be within 0..1");
    if (options.latency_ms < 0 || options.fault_stall_ms < 0)
      throw std::invalid_argument("latency_ms and fault_stall_ms cannot be negative");
    svr.new_task_queue = [] { return new httplib::ThreadPool(pool_threads); };
    svr.set_keep_alive_timeout(options.keep_alive_timeout_s);
    // httplib writes headers and body in two sends: with Nagle on, the body
    // waits for the client's delayed ACK (~40 ms) on kept-alive connections.
    svr.set_tcp_nodelay(true);
    // httplib's default also sets SO_REUSEPORT, which lets a second simulator
    // share the port and steal half the connections: bind exclusively.
    svr.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    on_rejection = default_rejection;
    on_fault = default_fault;
  }

  void route(std::string_view method, const std::string& pattern,
             httplib::Server::Handler h) {
    if (started) throw std::logic_error("routes must be added before start()");
    if (method == "GET") svr.Get(pattern, std::move(h));
    else if (method == "POST") svr.Post(pattern, std::move(h));
    else if (method == "PUT") svr.Put(pattern, std::move(h));
    else if (method == "PATCH") svr.Patch(pattern, std::move(h));
    else if (method == "DELETE") svr.Delete(pattern, std::move(h));
    else throw std::invalid_argument("unsupported method " + std::string(method));
  }

  fault_kind pick_fault() {
    if (options.fault_rate <= 0) return fault_kind::none;
    std::lock_guard lock(rng_mu);
    if (std::uniform_real_distribution<double>(0, 1)(rng) >= options.fault_rate)
      return fault_kind::none;
    return (rng() & 1) ? fault_kind::stall : fault_kind::error;
  }

  // Sleeps `ms`, or less if the server is stopping.
  void pause(int ms) {
    if (ms <= 0) return;
    std::unique_lock lock(stop_mu);
    stop_cv.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping; });
  }

  // POST /_sim/hold: calls of one route (template or path) or SOAP
  // operation, after `hold_passing` more, wait here until released or the
  // server stops. Guarded by stop_mu, woken by stop_cv.
  std::string hold_path, hold_operation;  // both "": nothing held
  std::int64_t hold_passing = 0;
  std::int64_t held = 0;  // calls waiting now

  void pass_hold(const std::string& path_template, const std::string& path, const std::string& operation) {
    std::unique_lock lock(stop_mu);
    const auto matches = [&] {
      return (!hold_path.empty() && (hold_path == path_template || hold_path == path)) ||
             (!hold_operation.empty() && hold_operation == operation);
    };
    if (!matches()) return;
    if (hold_passing > 0) {
      --hold_passing;
      return;
    }
    ++held;
    stop_cv.wait(lock, [&] { return stopping || !matches(); });
    --held;
  }

  void set_hold(const request& req, response& res) {
    const auto body = req.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(req.body, nullptr, false);
    const auto text = [&](const char* name) {
      return body.is_object() && body.contains(name) && body[name].is_string() ? body[name].get<std::string>()
                                                                               : std::string{};
    };
    const auto after = body.is_object() ? body.value("after_calls", nlohmann::json(0)) : nlohmann::json();
    if (!body.is_object() || !after.is_number_integer() || after.get<std::int64_t>() < 0 ||
        (!text("path").empty() && !text("operation").empty()))
      return res.json(400, R"({"error":"expected {\"path\"|\"operation\": ..., \"after_calls\": N >= 0}, or {} to release"})");
    {
      std::lock_guard lock(stop_mu);
      hold_path = text("path");
      hold_operation = text("operation");
      hold_passing = after.get<std::int64_t>();
    }
    stop_cv.notify_all();  // releases what the old hold held
    res.json(200, R"({"ok":true})");
  }

  void serve_api(const std::string& path_template, const std::vector<std::string>& names,
                 const handler& h, const httplib::Request& hreq, httplib::Response& hres) {
    std::optional<request> parsed;
    std::string operation;
    try {
      parsed = to_request(hreq, names);
      if (options.operation_of) operation = options.operation_of(*parsed);
    } catch (const std::exception&) {
      // answered below, as a handler exception would be
    }
    const bool at_completion =
        !windows_reading.empty() && reading_of(windows_reading) == "completion";
    const auto admission =
        ledger.begin({path_template, hreq.path, std::nullopt, operation, at_completion});
    response res;
    try {
      if (!parsed) throw std::invalid_argument("unreadable request");
      const request& req = *parsed;
      if (admission.rejected) {
        on_rejection({*admission.rejected, admission.retry_after_s}, req, res);
      } else if (const auto fault = pick_fault(); fault != fault_kind::none) {
        ledger.count_fault();
        if (fault == fault_kind::stall) pause(options.fault_stall_ms);
        on_fault(req, res);
      } else {
        pause(options.latency_ms);
        pass_hold(path_template, hreq.path, operation);
        h(req, res);
        if (res.status >= 200 && res.status < 300) {
          for (const auto& prefix : options.malformed_paths) {
            if (hreq.path.starts_with(prefix)) {
              corrupt(res.body);
              break;
            }
          }
        }
      }
    } catch (const std::exception& e) {
      res = response{};
      res.json(500, nlohmann::json{{"error", "internal_error"}, {"message", e.what()}}.dump());
    }
    if (options.annotate) options.annotate(admission.rooms, res);
    ledger.end(admission, static_cast<std::int64_t>(res.body.size()));
    write(res, hreq, hres);
  }

  static void serve_control(const std::vector<std::string>& names, const handler& h,
                            const httplib::Request& hreq, httplib::Response& hres) {
    response res;
    try {
      h(to_request(hreq, names), res);
    } catch (const std::exception& e) {
      res = response{};
      res.json(400, nlohmann::json{{"error", "invalid_request"}, {"message", e.what()}}.dump());
    }
    write(res, hreq, hres);
  }

  std::string clock_json() const {
    const double offset = std::chrono::duration<double>(clock.offset()).count();
    return nlohmann::json{{"now", format_rfc3339_ms(clock.now())}, {"offset_seconds", offset}}
        .dump();
  }

  void set_clock(const request& req, response& res) {
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      res.json(400, nlohmann::json{{"error", "invalid_request"},
                                   {"message", "expected a JSON object"}}.dump());
      return;
    }
    if (body.contains("now") && body["now"].is_string()) {
      const auto us = parse_rfc3339_us(body["now"].get<std::string>());
      if (!us) {
        res.json(400, nlohmann::json{{"error", "invalid_request"},
                                     {"message", "now must be an RFC 3339 time"}}.dump());
        return;
      }
      clock.set_now(std::chrono::system_clock::time_point{std::chrono::microseconds{*us}});
    } else if (body.contains("advance_seconds") && body["advance_seconds"].is_number()) {
      clock.advance(std::chrono::microseconds{
          std::llround(body["advance_seconds"].get<double>() * 1e6)});
    } else {
      res.json(400, nlohmann::json{{"error", "invalid_request"},
                                   {"message", "expected \"now\" or \"advance_seconds\""}}.dump());
      return;
    }
    res.json(200, clock_json());
  }

  const server_options options;
  sim_clock clock;
  call_ledger ledger;
  httplib::Server svr;
  rejection_handler on_rejection;
  handler on_fault;

  std::mutex rng_mu;
  std::mt19937_64 rng;  // guarded by rng_mu

  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopping = false;  // guarded by stop_mu

  struct reading_slot {
    std::vector<std::string> values;
    std::string value;
  };
  mutable std::mutex readings_mu;
  std::map<std::string, reading_slot, std::less<>> readings;  // guarded by readings_mu

  std::string reading_of(std::string_view name) const {
    std::lock_guard lock(readings_mu);
    return readings.find(name)->second.value;
  }
  std::string windows_reading;  // "window_counting" when the server has windows

  std::string readings_json() const {
    std::lock_guard lock(readings_mu);
    auto out = nlohmann::json::object();
    for (const auto& [name, slot] : readings) out[name] = {{"value", slot.value}, {"values", slot.values}};
    return out.dump();
  }

  bool started = false;
  int bound_port = -1;
  std::thread listener;
  std::atomic<bool> listen_returned{false};
};

server::server(server_options options) : impl_(std::make_unique<impl>(std::move(options))) {
  // Where a call enters a rate window (call_ledger.hpp): vendors do not say.
  if (!impl_->options.limits.windows.empty() || !impl_->options.limits.path_windows.empty()) {
    declare_reading("window_counting", {"arrival", "completion"});
    impl_->windows_reading = "window_counting";
  }
  add_control_route("GET", "/_sim/stats",
                    [this](const request&, response& res) { res.json(200, stats_json()); });
  add_control_route("POST", "/_sim/reset_stats", [this](const request&, response& res) {
    reset_stats();
    res.json(200, R"({"ok":true})");
  });
  add_control_route("GET", "/_sim/clock", [this](const request&, response& res) {
    res.json(200, impl_->clock_json());
  });
  add_control_route("POST", "/_sim/clock",
                    [this](const request& req, response& res) { impl_->set_clock(req, res); });
  add_control_route("POST", "/_sim/hold",
                    [this](const request& req, response& res) { impl_->set_hold(req, res); });
  add_control_route("GET", "/_sim/hold", [this](const request&, response& res) {
    std::lock_guard lock(impl_->stop_mu);
    res.json(200, nlohmann::json{{"held", impl_->held}}.dump());
  });
  add_control_route("GET", "/_sim/readings",
                    [this](const request&, response& res) { res.json(200, impl_->readings_json()); });
  add_control_route("POST", "/_sim/readings", [this](const request& req, response& res) {
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object()) return res.json(400, R"({"error":"expected {\"<reading>\": \"<value>\"}"})");
    {
      std::lock_guard lock(impl_->readings_mu);
      for (const auto& [name, value] : body.items()) {
        const auto slot = impl_->readings.find(name);
        if (slot == impl_->readings.end() || !value.is_string() ||
            std::find(slot->second.values.begin(), slot->second.values.end(), value.get<std::string>()) ==
                slot->second.values.end())
          return res.json(400, nlohmann::json{{"error", "unknown reading or value: " + name + "=" + value.dump()}}.dump());
      }
      for (const auto& [name, value] : body.items()) impl_->readings.find(name)->second.value = value.get<std::string>();
    }
    res.json(200, impl_->readings_json());
  });
}

void server::declare_reading(std::string name, std::vector<std::string> values) {
  if (impl_->started) throw std::logic_error("readings must be declared before start()");
  if (values.empty()) throw std::logic_error("reading " + name + " has no values");
  std::lock_guard lock(impl_->readings_mu);
  auto& slot = impl_->readings[std::move(name)];
  slot.value = values.front();
  slot.values = std::move(values);
}

std::string server::reading(std::string_view name) const {
  std::lock_guard lock(impl_->readings_mu);
  const auto slot = impl_->readings.find(name);
  if (slot == impl_->readings.end()) throw std::logic_error("undeclared reading " + std::string(name));
  return slot->second.value;
}

bool server::set_reading(std::string_view name, std::string_view value) {
  std::lock_guard lock(impl_->readings_mu);
  const auto slot = impl_->readings.find(name);
  if (slot == impl_->readings.end() ||
      std::find(slot->second.values.begin(), slot->second.values.end(), value) == slot->second.values.end())
    return false;
  slot->second.value = std::string(value);
  return true;
}

server::~server() { stop(); }

void server::add_api_route(std::string_view method, std::string path_template, handler h) {
  auto compiled = compile(path_template);
  if (impl_->options.trailing_slash) compiled.regex += "/?";
  impl_->route(method, compiled.regex,
               [this, path_template = std::move(path_template), names = std::move(compiled.names),
                h = std::move(h)](const httplib::Request& req, httplib::Response& res) {
                 impl_->serve_api(path_template, names, h, req, res);
               });
}

void server::add_control_route(std::string_view method, std::string path_template, handler h) {
  auto compiled = compile(path_template);
  impl_->route(method, compiled.regex,
               [names = std::move(compiled.names), h = std::move(h)](
                   const httplib::Request& req, httplib::Response& res) {
                 impl::serve_control(names, h, req, res);
               });
}

void server::set_rejection_handler(rejection_handler h) {
  impl_->on_rejection = h ? std::move(h) : rejection_handler(default_rejection);
}

void server::set_fault_handler(handler h) {
  impl_->on_fault = h ? std::move(h) : handler(default_fault);
}

void server::start() {
  auto& d = *impl_;
  if (d.started) throw std::logic_error("a simulator server starts only once");
  for (const auto& [name, value] : d.options.readings)
    if (!set_reading(name, value)) {
      std::string known;
      {
        std::lock_guard lock(d.readings_mu);
        for (const auto& [n, slot] : d.readings) {
          known += (known.empty() ? "" : "; ") + n + ":";
          for (const auto& v : slot.values) known += " " + v;
        }
      }
      throw std::invalid_argument("unknown reading " + name + "=" + value +
                                  (known.empty() ? " (this simulator has none)" : " (known: " + known + ")"));
    }
  const auto& host = d.options.host;
  int port = d.options.port;
  if (port == 0) {
    port = d.svr.bind_to_any_port(host);
  } else if (!d.svr.bind_to_port(host, port)) {
    port = -1;
  }
  if (port <= 0)
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(d.options.port));
  d.started = true;
  d.bound_port = port;
  d.listener = std::thread([&d] {
    d.svr.listen_after_bind();
    d.listen_returned = true;
  });
  // httplib's stop() does nothing until the accept loop runs, so wait for it
  // here; that way stop() always works. It starts within microseconds.
  while (!d.svr.is_running() && !d.listen_returned)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void server::stop() {
  auto& d = *impl_;
  if (!d.listener.joinable()) return;
  {
    std::lock_guard lock(d.stop_mu);
    d.stopping = true;
  }
  d.stop_cv.notify_all();
  d.svr.stop();
  d.listener.join();
}

int server::port() const { return impl_->bound_port; }

std::string server::base_url() const {
  return "http://" + impl_->options.host + ":" + std::to_string(impl_->bound_port);
}

const server_options& server::options() const { return impl_->options; }
sim_clock& server::clock() { return impl_->clock; }
const sim_clock& server::clock() const { return impl_->clock; }
call_stats server::stats() const { return impl_->ledger.snapshot(); }
std::string server::stats_json() const { return to_json(impl_->ledger.snapshot()); }
void server::reset_stats() { impl_->ledger.reset(); }

nlohmann::json control_body(const request& req) {
  auto body = nlohmann::json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) throw std::invalid_argument("expected a JSON object");
  return body;
}

std::int64_t control_count(const nlohmann::json& body, const char* name, std::int64_t cap) {
  if (!body.contains(name)) return 0;
  const auto& v = body[name];
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
    throw std::invalid_argument(std::string(name) + " must be a non-negative integer");
  return std::min(v.get<std::int64_t>(), cap);
}

} // namespace quarry::sim
