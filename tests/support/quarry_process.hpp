#pragma once

// Runs the real `quarry` binary as a child process, as a user would: tests of
// the CLI, of crash recovery (kill -9) and of end-to-end runs use it.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace quarry::testing {

using env_list = std::vector<std::pair<std::string, std::string>>;

struct process_result {
  int exit_code = -1;  // -1: killed by a signal or timed out
  std::string out;
  std::string err;
};

// A directory removed (recursively) when the object dies.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes `text` to file(name) and returns its path.
  std::string write(const std::string& name, const std::string& text) const;

 private:
  std::string path_;
};

std::string read_file(const std::string& path);

class quarry_process {
 public:
  // Starts `quarry args...` with `env` added to this process's environment;
  // stdout and stderr go to files in `dir`.
  quarry_process(const std::vector<std::string>& args, const env_list& env, const temp_dir& dir);
  ~quarry_process();
  pid_t pid() const { return pid_; }
  // True once the process has exited (a zombie not yet reaped by wait(), or
  // gone): a loop waiting for it to reach some point stops when it never will.
  bool exited() const;
  void kill(int signal);
  // Waits for the exit (killing the process after `timeout`).
  process_result wait(std::chrono::seconds timeout = std::chrono::seconds(300));

 private:
  pid_t pid_ = -1;
  std::string out_path_, err_path_;
  bool reaped_ = false;
  process_result result_;
};

// A loopback TCP port free at the time of the call (for a server the test
// starts in another process).
int free_port();

// Runs quarry to completion.
process_result run_quarry(const std::vector<std::string>& args, const env_list& env = {},
                          std::chrono::seconds timeout = std::chrono::seconds(300));

} // namespace quarry::testing
