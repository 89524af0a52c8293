#pragma once

// The process's operational HTTP endpoint: /metrics (Prometheus text format),
// /healthz (the process is alive) and /readyz (it can do work: Kafka reached,
// state loaded). Serves on its own threads; never on a CAF scheduler thread.
// Other parts (the admin API) add routes before `start`.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib { class Server; }

namespace quarry::telemetry {

class status_server {
 public:
  status_server();
  ~status_server();
  status_server(const status_server&) = delete;
  status_server& operator=(const status_server&) = delete;

  // Routes may be added until start().
  httplib::Server& routes();

  // Binds "host:port" (port 0 picks a free one) and serves in the background.
  // Returns the bound port; throws std::runtime_error naming the address when
  // it cannot bind.
  int start(const std::string& listen);
  void stop();

  void set_ready(bool ready) { ready_ = ready; }
  bool ready() const { return ready_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> ready_{false};
};

// Splits "host:port"; throws std::invalid_argument naming the text otherwise.
std::pair<std::string, int> split_host_port(const std::string& listen);

} // namespace quarry::telemetry
