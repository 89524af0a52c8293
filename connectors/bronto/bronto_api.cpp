#include "connectors/bronto/bronto_api.hpp"

namespace quarry::connectors::bronto {

namespace {

constexpr std::string_view api_ns = "http://api.bronto.com/v4";
constexpr int max_logins_in_a_row = 3;

// 103 and 116 go back to the caller; 101/108/113 are worth a retry; 102
// names no token; everything else fails the call.
soap::fault_reader read_fault(const std::string& what) {
  return [what](const soap::fault& f) -> std::optional<quarry::error> {
    const auto code = fault_code(f);
    if (code == "103" || code == "116") return std::nullopt;
    if (code == "101" || code == "108" || code == "113")
      return make_error(error_kind::retriable, what + ": " + soap::describe(f));
    if (code == "102") return make_error(error_kind::fatal, what + ": authentication failed (fault 102): check api_token");
    return make_error(error_kind::fatal, what + ": " + soap::describe(f));
  };
}

} // namespace

std::string fault_code(const soap::fault& f) {
  if (!f.detail.empty()) return f.detail;
  const auto colon = f.message.find(':');
  return colon == std::string::npos ? std::string{} : f.message.substr(0, colon);
}

api::api(session& s, clock now)
    : s_(s), now_(std::move(now)), url_(s.job().endpoint.empty() ? "https://api.bronto.com/v4" : s.job().endpoint) {}

result<http::response> api::send(const std::string& what, std::string envelope) {
  return s_.call(soap::request(url_, what, std::move(envelope)), soap::classifier(what, read_fault(what)));
}

status api::login() {
  soap::envelope e{{"v4", api_ns}};
  e.body().open("v4:login").leaf("apiToken", s_.job().credential("api_token"));
  auto res = send("bronto login", e.str());
  if (!res) return std::move(res).error();
  auto ans = soap::parse("bronto login", res->body);
  if (!ans) return std::move(ans).error();
  if (ans->fault) return make_error(error_kind::fatal, "bronto login: " + soap::describe(*ans->fault));
  session_id_ = soap::child_text(ans->payload, "return");
  if (session_id_.empty()) return make_error(error_kind::bad_payload, "bronto login: no session id in the answer");
  const auto date = res->header("date");
  const auto seconds = date ? parse_http_date(*date) : std::nullopt;
  login_at_ = std::chrono::steady_clock::now();
  server_at_login_ =
      instant{(seconds ? *seconds : std::chrono::duration_cast<std::chrono::seconds>(now_().time_since_epoch()).count()) *
                  1'000'000'000,
              0};
  return {};
}

instant api::server_now() const {
  const auto passed = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - login_at_);
  return {server_at_login_.unix_ns + passed.count() * 1'000'000'000, 0};
}

result<soap::answer> api::call(const std::string& operation, const std::function<void(soap::envelope&)>& fill,
                               bool repeat_on_103) {
  if (session_id_.empty())
    if (auto st = login(); !st) return st.error();
  const auto what = "bronto " + operation;
  for (int logins = 0;; ++logins) {
    soap::envelope e{{"v4", api_ns}};
    e.header().open("v4:sessionHeader").leaf("sessionId", session_id_).close();
    e.body().open("v4:" + operation);
    fill(e);
    auto res = send(what, e.str());
    if (!res) return std::move(res).error();
    auto ans = soap::parse(what, res->body);
    if (!ans || !ans->fault || fault_code(*ans->fault) != "103") return ans;
    if (logins == max_logins_in_a_row)
      return make_error(error_kind::auth_expired, what + ": session invalid after " +
                                                      std::to_string(max_logins_in_a_row) + " logins in a row");
    if (auto st = login(); !st) return st.error();
    if (!repeat_on_103) return ans;
  }
}

} // namespace quarry::connectors::bronto
