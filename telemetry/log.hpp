#pragma once

// Process-wide logging on spdlog. Lines go to stderr: JSON objects (one per
// line, for log shippers) when stderr is not a terminal, readable text when it
// is. Call `init_logging` once at startup, before any thread logs.
//
// Messages must never contain secrets; config::secret cannot be formatted, so
// passing one to a log call does not compile.

#include <spdlog/spdlog.h>

#include <optional>
#include <string_view>

namespace quarry::telemetry {

enum class log_format { automatic, json, text };

// Parses "trace", "debug", "info", "warn", "error", "off".
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name);

void init_logging(spdlog::level::level_enum level,
                  log_format format = log_format::automatic);

} // namespace quarry::telemetry
