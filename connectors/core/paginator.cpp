#include "connectors/core/paginator.hpp"

namespace quarry::connectors {

paginator::paginator(kind k, std::string what, std::int64_t page_size, std::int64_t page, std::string cursor)
    : kind_(k), what_(std::move(what)), page_size_(page_size), page_(page), cursor_(std::move(cursor)) {
  if (!cursor_.empty()) cursors_seen_.insert(cursor_);
}

paginator paginator::page_number(std::string what, std::int64_t page_size, std::int64_t first) {
  return {kind::page_number, std::move(what), page_size, first, {}};
}

paginator paginator::offset(std::string what, std::int64_t page_size, std::int64_t start) {
  return {kind::offset, std::move(what), page_size, start, {}};
}

paginator paginator::token(std::string what, std::string first) {
  return {kind::token, std::move(what), 0, 0, std::move(first)};
}

paginator paginator::next_link(std::string what, std::string first_url) {
  return {kind::next_link, std::move(what), 0, 0, std::move(first_url)};
}

result<bool> paginator::next_page(std::size_t records, std::string_view fingerprint, bool last) {
  ++pages_;
  if (last || records == 0) return false;
  if (page_size_ > 0 && static_cast<std::int64_t>(records) < page_size_) return false;
  if (!fingerprint.empty() && fingerprint == last_fingerprint_)
    return make_error(error_kind::bad_payload,
                      what_ + " (page " + std::to_string(pages_) + "): the server answered the same page again (" +
                          (kind_ == kind::offset ? "offset " : "page ") + std::to_string(page_) +
                          " repeats the one before it); stopping instead of looping");
  last_fingerprint_ = std::string(fingerprint);
  page_ += kind_ == kind::offset ? (page_size_ > 0 ? page_size_ : static_cast<std::int64_t>(records)) : 1;
  return true;
}

result<bool> paginator::next_cursor(std::string_view next, bool last) {
  ++pages_;
  if (last || next.empty()) return false;
  if (!cursors_seen_.emplace(next).second)
    return make_error(error_kind::bad_payload,
                      what_ + " (page " + std::to_string(pages_) + "): the server repeated a " +
                          (kind_ == kind::token ? std::string("page token") : std::string("next link")) +
                          " it gave before; stopping instead of looping");
  cursor_ = std::string(next);
  return true;
}

} // namespace quarry::connectors
