#include "telemetry/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <chrono>
#include <cstdio>
#include <unistd.h>

namespace quarry::telemetry {
namespace {

void append_json_escaped(spdlog::memory_buf_t& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out.append(std::string_view{"\\\""}); break;
      case '\\': out.append(std::string_view{"\\\\"}); break;
      case '\n': out.append(std::string_view{"\\n"}); break;
      case '\r': out.append(std::string_view{"\\r"}); break;
      case '\t': out.append(std::string_view{"\\t"}); break;
      default:
        if (c < 0x20) {
          const char esc[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
          out.append(esc, esc + sizeof esc);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
}

// {"ts":"2026-11-23T01:02:03.456Z","level":"info","logger":"quarry","msg":"..."}
class json_line_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& out) override {
    using namespace std::chrono;
    const auto since_epoch = msg.time.time_since_epoch();
    const auto secs = duration_cast<seconds>(since_epoch);
    const auto millis = duration_cast<milliseconds>(since_epoch - secs).count();
    const std::time_t t = secs.count();
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[40];
    const auto n = std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                 tm.tm_min, tm.tm_sec, static_cast<int>(millis));
    out.append(std::string_view{"{\"ts\":\""});
    out.append(ts, ts + n);
    out.append(std::string_view{"\",\"level\":\""});
    const auto level = spdlog::level::to_string_view(msg.level);
    out.append(level.data(), level.data() + level.size());
    out.append(std::string_view{"\",\"logger\":\""});
    append_json_escaped(out, {msg.logger_name.data(), msg.logger_name.size()});
    out.append(std::string_view{"\",\"msg\":\""});
    append_json_escaped(out, {msg.payload.data(), msg.payload.size()});
    out.append(std::string_view{"\"}\n"});
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<json_line_formatter>();
  }
};

} // namespace

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "info") return spdlog::level::info;
  if (name == "warn") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  if (name == "off") return spdlog::level::off;
  return std::nullopt;
}

void init_logging(spdlog::level::level_enum level, log_format format) {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  const bool json = format == log_format::json ||
                    (format == log_format::automatic && isatty(STDERR_FILENO) == 0);
  if (json)
    sink->set_formatter(std::make_unique<json_line_formatter>());
  else
    sink->set_pattern("%H:%M:%S.%e %^%-5l%$ %v");
  auto logger = std::make_shared<spdlog::logger>("quarry", std::move(sink));
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

} // namespace quarry::telemetry
