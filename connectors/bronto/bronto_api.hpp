#pragma once

// One task's conversation with Bronto's SOAP API v4: its session (login,
// the sessionHeader on every call, login again on fault 103), how faults are
// read, and the server's clock.
//
// Session:  none --login()--> live --call()--> live
//                               ^               | fault 103 (idle 20 minutes)
//                               +---login()-----+   at most 3 in a row
//
// Faults: 101, 108, 113 are retriable; 102 (a wrong token) is fatal and
// names no token; 116 ("end of results") comes back to the caller as an
// answer with its fault; any other fault fails the call naming the
// operation. Not thread-safe: one per task.

#include "connectors/core/session.hpp"
#include "connectors/core/soap.hpp"
#include "connectors/core/timestamp.hpp"

#include <chrono>
#include <functional>
#include <string>

namespace quarry::connectors::bronto {

// The ApiException code of a fault: detail/errorCode, else the faultstring's
// "CODE:" prefix (how both Bronto SDKs read it).
std::string fault_code(const soap::fault& f);

class api {
 public:
  using clock = std::function<std::chrono::system_clock::time_point()>;
  // `now` stands in for the server's clock when an answer has no Date header.
  api(session& s, clock now);

  // Opens a new session, and reads the server's clock off the answer.
  status login();

  // The server's clock now: its Date header on the last login's answer
  // (whole seconds, rounded down; else our clock then) plus the time passed
  // since, by our steady clock. Every record written after the login's
  // answer carries a later time than that answer's Date.
  instant server_now() const;

  // Calls `operation` with the body `fill` writes. On fault 103 it logs in
  // again and then, with `repeat_on_103`, repeats the request (a request
  // that stands alone: pageNumber paging); without, it hands the 103 answer
  // back (a read that continued the old session's state: FIRST/NEXT). A 116
  // comes back as an answer with its fault.
  result<soap::answer> call(const std::string& operation, const std::function<void(soap::envelope&)>& fill,
                            bool repeat_on_103 = true);

 private:
  result<http::response> send(const std::string& what, std::string envelope);

  session& s_;
  clock now_;
  std::string url_;
  std::string session_id_;
  instant server_at_login_;
  std::chrono::steady_clock::time_point login_at_;
};

} // namespace quarry::connectors::bronto
