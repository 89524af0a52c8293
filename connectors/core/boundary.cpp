#include "connectors/core/boundary.hpp"

namespace quarry::connectors {

using nlohmann::json;

result<boundary> boundary::resume(const json& bookmark, std::string_view field, std::string_view start) {
  const std::string name(field);
  if (bookmark.is_object() && bookmark.contains(name)) {
    const auto& value = bookmark[name];
    const auto t = value.is_string() ? parse_instant(value.get<std::string>()) : std::nullopt;
    if (!t)
      return make_error(error_kind::fatal, "unreadable bookmark: " + name + " is " + value.dump().substr(0, 80) +
                                               ", expected an RFC 3339 date-time");
    boundary b(name, *t);
    if (const auto keys = bookmark.find("keys_at"); keys != bookmark.end()) {
      if (!keys->is_array())
        return make_error(error_kind::fatal, "unreadable bookmark: keys_at is not an array");
      for (const auto& k : *keys) {
        if (!k.is_string()) return make_error(error_kind::fatal, "unreadable bookmark: keys_at holds " + k.dump());
        b.keys_since_.insert(k.get<std::string>());
      }
      b.keys_newest_ = b.keys_since_;
    }
    return b;
  }
  const auto t = parse_instant(start);
  if (!t)
    return make_error(error_kind::fatal, "start_date \"" + std::string(start).substr(0, 40) +
                                             "\" is not an RFC 3339 date-time");
  return boundary(name, *t);
}

boundary::boundary(std::string field, instant since) : field_(std::move(field)), since_(since), newest_(since) {}

instant boundary::query_after(std::chrono::nanoseconds unit) const {
  return instant{since_.unix_ns - unit.count(), since_.digits};
}

bool boundary::admit(const instant& t, std::string_view key) {
  if (t < since_) return false;
  if (t == since_ && keys_since_.contains(key)) return false;
  if (t > newest_) {
    newest_ = t;
    keys_newest_.clear();
  }
  if (t == newest_) {
    keys_newest_.emplace(key);
    // Keep the more precise spelling of one instant.
    if (t.digits > newest_.digits) newest_.digits = t.digits;
  }
  return true;
}

void boundary::pass(const instant& t) {
  if (t > newest_) {
    newest_ = t;
    keys_newest_.clear();
  }
}

json boundary::bookmark() const {
  json keys = json::array();
  for (const auto& k : keys_newest_) keys.push_back(k);
  return {{field_, format_rfc3339(newest_)}, {"keys_at", std::move(keys)}};
}

} // namespace quarry::connectors
