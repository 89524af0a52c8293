#include "telemetry/log.hpp"

#include "connectors/core/json_text.hpp"
#include "connectors/core/timestamp.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <string>
#include <unistd.h>

namespace quarry::telemetry {
namespace {

void append(spdlog::memory_buf_t& out, std::string_view text) { out.append(text.data(), text.data() + text.size()); }

// Escaped as the records are (connectors/core/json_text): a byte that is
// not UTF-8 becomes U+FFFD, so a log line is always valid JSON.
void append_json_string(spdlog::memory_buf_t& out, std::string_view text) {
  std::string quoted;
  connectors::json_text::append_string(quoted, text);
  append(out, quoted);
}

// {"ts":"2026-11-23T01:02:03.456Z","level":"info","logger":"quarry","msg":"..."}
class json_line_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& out) override {
    append(out, "{\"ts\":\"");
    append(out, connectors::format_utc_ms(msg.time));
    append(out, "\",\"level\":\"");
    const auto level = spdlog::level::to_string_view(msg.level);
    out.append(level.data(), level.data() + level.size());
    append(out, "\",\"logger\":");
    append_json_string(out, {msg.logger_name.data(), msg.logger_name.size()});
    append(out, ",\"msg\":");
    append_json_string(out, {msg.payload.data(), msg.payload.size()});
    append(out, "}\n");
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
