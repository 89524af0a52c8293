#pragma once

// How a Kustomer search stream (customers, conversations, messages, notes,
// kobjects) is read: POST /v1/customers/search with the stream's
// queryContext, sorted by <ctx>_updated_at ascending (documented), one
// search per page.
//
// Ahead of the boundary (connectors/core/boundary.hpp), every search asks
// for `<ctx>_updated_at gte since`, page 1, and the boundary drops what the
// bookmark already holds. A page whose records have mixed times moves the
// boundary to its newest time, so no search pages past Kustomer's depth
// limit and the bookmark's keys_at holds fewer than page_size ids.
//
// A TIE GROUP is a full page whose records all share one updatedAt t (an
// import, a bulk edit): paging on from t cannot get past it, so the group
// is read by the exact-time search `<ctx>_updated_at gte t, lt t + 1 ms`
// (the whole millisecond [GUESS: Kustomer may compare times finer than the
// milliseconds it prints; "lte t" would then miss most of the group]), then
// the stream goes on from t + 1 ms:
//
//   [by id]  the `<ctx>_id gt X` keyset [GUESS: Kustomer documents neither
//            the filter nor the order of ties], an optimisation only:
//            a page is emitted once the next search proves it complete
//            (meta.total of "id gt X" minus that of "id gt max" equals the
//            page's size), so a server that orders ties otherwise, ignores
//            the filter (ids <= X come back) or refuses it (4xx) costs one
//            search and never a record. Then, for the rest of the task:
//   [by page] the documented way: page the exact-time search by page
//            number (core paginator), de-duplicating by id. A group the
//            depth limit cannot page through (meta.total at or past it
//            [GUESS: a search engine may cap the total it reports at the
//            limit]) is
//            split by `<ctx>_created_at` ranges, at the median createdAt of
//            the range's first page, until each range fits; the ranges are
//            read in createdAt order. A range that loses records while it
//            is paged (meta.total drops) re-reads the pages its records may
//            have shifted into. A millisecond of createdAt holding more
//            records than the depth limit cannot be read by documented
//            means: the task fails naming it, never skipping it.
//
//            page full, one updatedAt t          by id: complete, or
//   [ahead] -----------------------> [group t] --refused/ignored/unproven-->[by page]
//      ^                                |                                      |
//      +------ since = t + 1 ms <-------+--------------------------------------+
//
// Bookmarks (checkpointed after every page, never more than page_size ids):
//   ahead     {"updated_at": t, "keys_at": [ids at t]}
//   in group  {"updated_at": t, "keys_at": [ids at t delivered before the
//              group was paged], "tie": {"id_after": X,
//              "created_from": c, "created_before": d, "page": p}}
//             (every field of "tie" optional: ids <= X, records created
//             before c, and pages 1..p of the range [c, d) are delivered)
//   after it  {"updated_at": t + 1 ms, "keys_at": []}

#include "connectors/core/session.hpp"
#include "connectors/kustomer/kustomer_api.hpp"
#include "connectors/kustomer/kustomer_streams.hpp"

#include <string>

namespace quarry::connectors::kustomer {

status read_search(const stream_spec& spec, const search_depth& depth, const std::string& base,
                   const task_spec& task, session& s);

} // namespace quarry::connectors::kustomer
