#pragma once

// `scripts/connect <args>` as a child process: the Kafka Connect standalone
// worker and Kafka's Java tools (the console producer), for the tests of
// tests/kafka. The script resolves its jars from Maven Central once
// (scripts/test does that before ctest runs) and logs to a file of `dir`.

#include "tests/support/quarry_process.hpp"

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace quarry::testing {

// QUARRY_CONNECT_SCRIPT, else the checkout's scripts/connect.
inline std::string connect_script() {
  const char* env = std::getenv("QUARRY_CONNECT_SCRIPT");
  return env != nullptr && *env != '\0' ? env : std::string{QUARRY_SOURCE_DIR} + "/scripts/connect";
}

// One run of the script. Its stdout and stderr go to dir/<name>.out, the
// JVM's log to dir/<name>.log. The destructor stops a process still running
// (SIGTERM, then SIGKILL after 30 s).
class connect_process {
 public:
  connect_process(const std::vector<std::string>& args, const temp_dir& dir, const std::string& name,
                  const std::string& stdin_path = "/dev/null")
      : out_path_(dir.file(name + ".out")), log_path_(dir.file(name + ".log")) {
    std::vector<std::string> argv_text = {connect_script()};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      const int in = open(stdin_path.c_str(), O_RDONLY);
      const int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(in, 0);
      dup2(out, 1);
      dup2(out, 2);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      setenv("QUARRY_CONNECT_LOG", log_path_.c_str(), 1);
      std::vector<char*> argv;
      for (auto& a : argv_text) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv.front(), argv.data());
      _exit(127);
    }
  }
  ~connect_process() {
    if (reaped_) return;
    ::kill(pid_, SIGTERM);
    if (wait(std::chrono::seconds(30)) == -1 && !reaped_) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  connect_process(const connect_process&) = delete;
  connect_process& operator=(const connect_process&) = delete;

  // True once the process has exited (reaping it).
  bool exited() {
    if (!reaped_) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
    }
    return reaped_;
  }

  // The exit code once the process exits within `timeout`; -1 when it was
  // killed by a signal or is still running.
  int wait(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exited() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a child's exit
    return reaped_ ? exit_code_ : -1;
  }

  // What the script and the JVM printed, and the JVM's log.
  std::string output() const { return read_file(out_path_); }
  std::string log() const { return read_file(log_path_); }

 private:
  pid_t pid_ = -1;
  std::string out_path_, log_path_;
  bool reaped_ = false;
  int exit_code_ = -1;
};

} // namespace quarry::testing
