#pragma once

// A stream buffer for tests of `quarry sim ...` commands: collects what the
// command prints and wakes a waiter at each newline (the "listening" line).

#include <condition_variable>
#include <mutex>
#include <streambuf>
#include <string>

namespace quarry::sim {

class line_capture : public std::streambuf {
 public:
  // Blocks until a whole line was written; returns the first one.
  std::string wait_for_line() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return text_.find('\n') != std::string::npos; });
    return text_.substr(0, text_.find('\n'));
  }

 protected:
  int_type overflow(int_type c) override {
    if (c == traits_type::eof()) return traits_type::not_eof(c);
    std::lock_guard lock(mu_);
    text_ += static_cast<char>(c);
    if (c == '\n') cv_.notify_all();
    return c;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string text_;
};

} // namespace quarry::sim
