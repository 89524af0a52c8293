#pragma once

// Paging, once for every connector: where the next page is and when to stop,
// and a clear error instead of an endless loop when a server repeats itself.
//
//   kind          the connector asks for            stops when
//   page_number   page() = 1, 2, 3 ...              last, or a short/empty page
//   offset        page() = 0, n, 2n ...             last, or a short/empty page
//   token         cursor() = "", t1, t2 ...         last, or no next token
//   next_link     cursor() = first URL, link2 ...   last, or no next link
//
// SOAP paging (Bronto's pageNumber, Listrak's page index) is page_number.
// Kustomer's exact-time tie paging is connectors/kustomer's, built on
// page_number.
//
// A loop reads:
//
//   auto pages = paginator::page_number("listrak ReportRangeMessageContactOpen");
//   for (;;) {
//     ... fetch page pages.page() ...
//     auto more = pages.next_page(n, first_id + "/" + last_id);
//     if (!more) return std::move(more).error();
//     if (!*more) break;
//   }
//
// Repeats: a token or link seen before, or a page whose fingerprint (the
// connector's identity of its content, e.g. its first and last record keys)
// equals the previous page's, fails with bad_payload naming the request and
// the page. An empty fingerprint is never compared.
//
// Not thread-safe: one per loop.

#include "proto/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>

namespace quarry::connectors {

class paginator {
 public:
  enum class kind { page_number, offset, token, next_link };

  // `what` names the request in errors ("kustomer GET /v1/users").
  // `page_size` > 0: a page with fewer records is the last one.
  static paginator page_number(std::string what, std::int64_t page_size = 0, std::int64_t first = 1);
  static paginator offset(std::string what, std::int64_t page_size, std::int64_t start = 0);
  static paginator token(std::string what, std::string first = {});
  static paginator next_link(std::string what, std::string first_url = {});

  kind how() const { return kind_; }
  // The page number or offset of the page to fetch.
  std::int64_t page() const { return page_; }
  // The token or link of the page to fetch ("" on a token pager's first page).
  const std::string& cursor() const { return cursor_; }
  // Pages advanced past so far.
  std::int64_t pages() const { return pages_; }

  // Moves on after a page (page_number and offset kinds) of `records`
  // records whose content is identified by `fingerprint` (e.g. its first and
  // last keys; "" = not compared); `last` when the server said so. True when
  // there is another page to fetch, false when done, a bad_payload error
  // when the page repeats the one before it.
  result<bool> next_page(std::size_t records, std::string_view fingerprint, bool last = false);
  // Moves on after a page (token and next_link kinds) that named `next` as
  // the next token or link ("" = none); `last` when the server said so
  // otherwise. A bad_payload error when `next` was seen before.
  result<bool> next_cursor(std::string_view next, bool last = false);

 private:
  paginator(kind k, std::string what, std::int64_t page_size, std::int64_t page, std::string cursor);

  kind kind_;
  std::string what_;
  std::int64_t page_size_ = 0;
  std::int64_t page_ = 0;
  std::string cursor_;
  std::int64_t pages_ = 0;
  std::string last_fingerprint_;
  std::unordered_set<std::string> cursors_seen_;
};

} // namespace quarry::connectors
