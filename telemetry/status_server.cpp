#include "telemetry/status_server.hpp"

#include "telemetry/metrics.hpp"

#include <httplib.h>
#include <prometheus/text_serializer.h>

#include <charconv>
#include <sstream>
#include <stdexcept>

namespace quarry::telemetry {

std::pair<std::string, int> split_host_port(const std::string& listen) {
  const auto colon = listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos && colon > 0) {
    const char* first = listen.data() + colon + 1;
    const char* last = listen.data() + listen.size();
    auto [ptr, ec] = std::from_chars(first, last, port);
    if (ec != std::errc{} || ptr != last) port = -1;
  }
  if (port < 0 || port > 65535)
    throw std::invalid_argument("expected host:port, got \"" + listen + "\"");
  return {listen.substr(0, colon), port};
}

status_server::status_server() : server_(std::make_unique<httplib::Server>()) {
  // Not httplib's default, which adds SO_REUSEPORT: a second process on the
  // same address must fail to bind, not share it.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server_->set_tcp_nodelay(true);  // see sim/server.cpp
  server_->Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    std::ostringstream out;
    prometheus::TextSerializer{}.Serialize(out, registry()->Collect());
    res.set_content(out.str(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    if (ready_) {
      res.set_content("ready\n", "text/plain");
    } else {
      res.status = 503;
      res.set_content("not ready\n", "text/plain");
    }
  });
}

status_server::~status_server() { stop(); }

httplib::Server& status_server::routes() { return *server_; }

int status_server::start(const std::string& listen) {
  auto [host, port] = split_host_port(listen);
  int bound = port;
  if (port == 0)
    bound = server_->bind_to_any_port(host);
  else if (!server_->bind_to_port(host, port))
    bound = -1;
  if (bound <= 0)
    throw std::runtime_error("cannot listen on " + listen);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return bound;
}

void status_server::stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

} // namespace quarry::telemetry
