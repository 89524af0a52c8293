#include "connectors/kustomer/kustomer_search.hpp"

#include "connectors/core/boundary.hpp"
#include "connectors/core/paginator.hpp"

#include <algorithm>
#include <set>

namespace quarry::connectors::kustomer {
namespace {

using nlohmann::json;

constexpr std::string_view search_path = "/v1/customers/search";

instant next_ms(const instant& t) { return instant::from_ms(t.ms() + 1); }
std::string wire_time(const instant& t) { return format_rfc3339(t, 3); }

// One search's conditions.
struct criteria {
  instant updated_from;                   // gte
  std::optional<instant> updated_before;  // lt
  std::optional<instant> created_from;    // gte
  std::optional<instant> created_before;  // lt
  std::optional<std::string> id_after;    // gt: undocumented
};

// A record of a page: its id and updatedAt, and where it is in data[].
struct hit {
  std::string id;
  instant updated;
  std::size_t index = 0;
};

// Where a tie group has got to: the bookmark's "tie" (kustomer_search.hpp).
struct group_state {
  instant t;
  std::set<std::string, std::less<>> keys;  // delivered at t before the group was paged
  std::optional<std::string> id_after;
  std::optional<instant> created_from, created_before;
  std::int64_t page = 0;              // pages of [created_from, created_before) delivered
  std::optional<std::int64_t> total;  // meta.total of the range at that page
  bool by_page = false;
};

result<std::optional<instant>> optional_instant(const json& tie, const char* name, const std::string& stream) {
  if (!tie.contains(name)) return std::optional<instant>{};
  const auto& v = tie[name];
  if (v.is_string())
    if (auto t = parse_instant(v.get<std::string>())) return std::optional<instant>{*t};
  return make_error(error_kind::fatal, stream + ": unreadable bookmark tie." + name + " " + v.dump());
}

class search_reader {
 public:
  search_reader(const stream_spec& spec, const search_depth& depth, const std::string& base, const task_spec& task,
                session& s)
      : depth_(depth), base_(base), task_(task), s_(s), context_(spec.read.context) {}

  status run() {
    json anchor = task_.bookmark.is_object() ? task_.bookmark : json();
    auto b = boundary::resume(anchor, "updated_at", s_.job().start_date);
    if (!b) return make_error(b.error().kind, task_.stream + ": " + b.error().message);
    if (anchor.is_object() && anchor.contains("tie")) {
      auto g = group_from(anchor, b->since());
      if (!g) return std::move(g).error();
      if (auto st = read_group(*g); !st) return st;
      if (auto st = after_group(g->t, anchor, *b); !st) return st;
    }
    for (;;) {
      if (s_.cancelled()) return make_error(error_kind::cancelled, task_.stream + ": cancelled");
      criteria c;
      c.updated_from = b->since();
      auto answer = search(c, 1);
      if (!answer) return std::move(answer).error();
      auto& p = **answer;
      auto hits = read_hits(p, c);
      if (!hits) return std::move(hits).error();
      if (!p.last && hits->empty()) return no_records_but_more(c);
      if (!p.last && hits->front().updated == hits->back().updated) {
        // A tie group: the page cannot move the boundary.
        group_state g;
        g.t = hits->front().updated;
        if (g.t == b->since()) g.keys = keys_of(anchor);
        if (auto st = read_group(g); !st) return st;
        if (auto st = after_group(g.t, anchor, *b); !st) return st;
        continue;
      }
      for (const auto& h : *hits)
        if (b->admit(h.updated, h.id))
          if (auto st = emit_record(s_, task_.stream, p.data()[h.index]); !st) return st;
      anchor = b->bookmark();
      if (auto st = s_.checkpoint(anchor); !st) return st;
      if (p.last) return {};
      b = boundary::resume(anchor, "updated_at", s_.job().start_date);
      if (!b) return std::move(b).error();
    }
  }

 private:
  static std::set<std::string, std::less<>> keys_of(const json& bookmark) {
    std::set<std::string, std::less<>> out;
    if (bookmark.is_object())
      if (const auto it = bookmark.find("keys_at"); it != bookmark.end() && it->is_array())
        for (const auto& k : *it)
          if (k.is_string()) out.insert(k.get<std::string>());
    return out;
  }

  result<group_state> group_from(const json& bookmark, const instant& t) const {
    const auto& tie = bookmark["tie"];
    if (!tie.is_object()) return make_error(error_kind::fatal, task_.stream + ": unreadable bookmark " + bookmark.dump().substr(0, 200));
    group_state g;
    g.t = t;
    g.keys = keys_of(bookmark);
    if (tie.contains("id_after")) {
      if (!tie["id_after"].is_string()) return make_error(error_kind::fatal, task_.stream + ": unreadable bookmark tie.id_after");
      g.id_after = tie["id_after"].get<std::string>();
    }
    auto from = optional_instant(tie, "created_from", task_.stream);
    if (!from) return std::move(from).error();
    auto before = optional_instant(tie, "created_before", task_.stream);
    if (!before) return std::move(before).error();
    g.created_from = *from;
    g.created_before = *before;
    if (tie.contains("page")) {
      if (!tie["page"].is_number_integer() || tie["page"].get<std::int64_t>() < 0)
        return make_error(error_kind::fatal, task_.stream + ": unreadable bookmark tie.page");
      g.by_page = true;
      g.page = tie["page"].get<std::int64_t>();
      if (tie.contains("total") && tie["total"].is_number_integer()) g.total = tie["total"].get<std::int64_t>();
    }
    return g;
  }

  // The group at t is delivered: the stream goes on from the next millisecond.
  status after_group(const instant& t, json& anchor, boundary& b) {
    anchor = {{"updated_at", wire_time(next_ms(t))}, {"keys_at", json::array()}};
    auto next = boundary::resume(anchor, "updated_at", s_.job().start_date);
    if (!next) return std::move(next).error();
    b = std::move(*next);
    return s_.checkpoint(anchor);
  }

  json group_bookmark(const group_state& g) const {
    json keys = json::array();
    for (const auto& k : g.keys)
      if (!g.id_after || k > *g.id_after) keys.push_back(k);
    json tie = json::object();
    if (g.id_after) tie["id_after"] = *g.id_after;
    if (g.created_from) tie["created_from"] = wire_time(*g.created_from);
    if (g.created_before) tie["created_before"] = wire_time(*g.created_before);
    if (g.by_page) {
      tie["page"] = g.page;
      if (g.total) tie["total"] = *g.total;
    }
    return {{"updated_at", wire_time(g.t)}, {"keys_at", std::move(keys)}, {"tie", std::move(tie)}};
  }

  json search_body(const criteria& c) const {
    const std::string ctx(context_);
    json updated = {{"gte", wire_time(c.updated_from)}};
    if (c.updated_before) updated["lt"] = wire_time(*c.updated_before);
    json conditions = json::array({{{ctx + "_updated_at", std::move(updated)}}});
    if (c.created_from || c.created_before) {
      json created = json::object();
      if (c.created_from) created["gte"] = wire_time(*c.created_from);
      if (c.created_before) created["lt"] = wire_time(*c.created_before);
      conditions.push_back({{ctx + "_created_at", std::move(created)}});
    }
    if (c.id_after) conditions.push_back({{ctx + "_id", {{"gt", *c.id_after}}}});
    return {{"and", std::move(conditions)},
            {"sort", json::array({{{ctx + "_updated_at", "asc"}}})},
            {"queryContext", ctx}};
  }

  http::request search_request(const criteria& c, std::int64_t page_number) {
    auto req = make_request(s_, base_, "POST", search_path,
                            "page=" + std::to_string(page_number) + "&pageSize=" + std::to_string(depth_.page_size));
    req.describe += " (" + std::string(context_) + ")";
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = search_body(c).dump();
    req.quota_scope = "search";
    return req;
  }

  // The exact-time search of a group: the whole millisecond t.
  static criteria group_criteria(const group_state& g) {
    criteria c;
    c.updated_from = g.t;
    c.updated_before = next_ms(g.t);
    return c;
  }

  // One page of a search. With the undocumented id filter, a 4xx answer is
  // the server refusing it: nullopt.
  result<std::optional<page>> search(const criteria& c, std::int64_t page_number) {
    auto req = search_request(c, page_number);
    if (c.id_after) req.also_accept = {400, 422};
    auto res = s_.call(req);
    if (!res) return std::move(res).error();
    if (res->status >= 400) {
      fall_back("refused (HTTP " + std::to_string(res->status) + " " + res->body.substr(0, 120) + ")");
      return std::optional<page>{};
    }
    auto p = read_page(req, *res);
    if (!p) return std::move(p).error();
    return std::optional<page>{std::move(*p)};
  }

  // The page's records, checked to be in ascending updatedAt order inside
  // the search's updated_at condition.
  result<std::vector<hit>> read_hits(const page& p, const criteria& c) const {
    std::vector<hit> out;
    out.reserve(p.data().size());
    for (std::size_t i = 0; i < p.data().size(); ++i) {
      auto t = read_time(task_.stream, p.data()[i], "updatedAt");
      if (!t) return std::move(t).error();
      if (t->at < c.updated_from || (c.updated_before && t->at >= *c.updated_before) ||
          (!out.empty() && t->at < out.back().updated))
        return make_error(error_kind::bad_payload,
                          task_.stream + ": the search from " + wire_time(c.updated_from) + " answered record " + t->id +
                              " updated at " + wire_time(t->at) +
                              ", outside its updated_at condition or out of ascending order");
      out.push_back({std::move(t->id), t->at, i});
    }
    return out;
  }

  error no_records_but_more(const criteria& c) const {
    return make_error(error_kind::bad_payload, task_.stream + ": the search from " + wire_time(c.updated_from) +
                                                   " answered a page with no records and a next link");
  }

  void fall_back(const std::string& why) {
    if (id_filter_usable_)
      s_.warn(task_.stream + ": the " + std::string(context_) + "_id search filter was " + why +
              "; records sharing one updatedAt are read by page for the rest of this task");
    id_filter_usable_ = false;
  }

  // Records of the group not delivered yet (by an earlier run or this one).
  bool admit(const group_state& g, const std::string& id) {
    if (g.keys.count(id) || (g.id_after && id <= *g.id_after)) return false;
    return seen_.insert(id).second;
  }

  status emit_new(const group_state& g, const page& p, const std::vector<hit>& hits) {
    for (const auto& h : hits)
      if (admit(g, h.id))
        if (auto st = emit_record(s_, task_.stream, p.data()[h.index]); !st) return st;
    return {};
  }

  status read_group(group_state& g) {
    seen_.clear();
    if (!g.by_page && id_filter_usable_) {
      auto done = read_group_by_id(g);
      if (!done) return std::move(done).error();
      if (*done) return {};
    }
    return read_group_by_page(g);
  }

  // The id keyset. A page is emitted once the next search proves that it
  // held every record of the group between the previous cursor and its own
  // largest id. true: the group is read; false: fall back to pages (nothing
  // unproven was emitted).
  result<bool> read_group_by_id(group_state& g) {
    auto c = group_criteria(g);
    c.id_after = g.id_after;
    std::optional<page> pending;
    std::vector<hit> pending_hits;
    for (;;) {
      if (s_.cancelled()) return make_error(error_kind::cancelled, task_.stream + ": cancelled");
      auto answer = search(c, 1);
      if (!answer) return std::move(answer).error();
      if (!*answer) return false;  // refused
      auto& p = **answer;
      auto hits = read_hits(p, c);
      if (!hits) return std::move(hits).error();
      if (c.id_after)
        for (const auto& h : *hits)
          if (h.id <= *c.id_after) {
            fall_back("ignored (record " + h.id + " came back for " + std::string(context_) + "_id gt " + *c.id_after + ")");
            return false;
          }
      if (pending) {
        if (!pending->total || !p.total ||
            *pending->total - *p.total != static_cast<std::int64_t>(pending_hits.size())) {
          fall_back("not proven complete (meta.total " +
                    (pending->total ? std::to_string(*pending->total) : std::string("absent")) + " then " +
                    (p.total ? std::to_string(*p.total) : std::string("absent")) + " after a page of " +
                    std::to_string(pending_hits.size()) + ")");
          return false;
        }
        if (auto st = emit_new(g, *pending, pending_hits); !st) return st.error();
        g.id_after = c.id_after;
        if (auto st = s_.checkpoint(group_bookmark(g)); !st) return st.error();
      }
      if (p.last) {
        if (auto st = emit_new(g, p, *hits); !st) return st.error();
        return true;
      }
      if (hits->empty()) return no_records_but_more(c);
      std::string largest;
      for (const auto& h : *hits) largest = std::max(largest, h.id);
      c.id_after = largest;
      pending_hits = std::move(*hits);
      pending = std::move(p);
    }
  }

  // A range fits when the depth limit can page through it whole. A total at
  // the limit may be a capped count [GUESS]: it does not fit.
  bool fits(const page& p) const {
    return p.last || (p.total && *p.total < depth_.hits && *p.total <= depth_.capacity());
  }

  // Where to split a range too deep to page: the median createdAt of its
  // first page, so that both halves hold records.
  result<instant> split_point(const page& p, const criteria& c) const {
    std::vector<instant> created;
    for (const auto& wire : p.data()) {
      auto t = read_time(task_.stream, wire, "createdAt");
      if (!t) return std::move(t).error();
      if ((c.created_from && t->at < *c.created_from) || (c.created_before && t->at >= *c.created_before))
        return make_error(error_kind::bad_payload, task_.stream + ": the search answered record " + t->id +
                                                       " created at " + wire_time(t->at) +
                                                       ", outside its created_at condition");
      created.push_back(t->at);
    }
    if (created.empty()) return no_records_but_more(c);
    std::sort(created.begin(), created.end());
    const auto first = created.front();
    if (created[created.size() / 2] > first) return created[created.size() / 2];
    if (const auto above = std::upper_bound(created.begin(), created.end(), first); above != created.end()) return *above;
    // Every record of the page was created in one millisecond.
    if (!c.created_before || next_ms(first) < *c.created_before) return next_ms(first);
    if (!c.created_from || *c.created_from < first) return first;
    return make_error(error_kind::fatal,
                      task_.stream + ": more records than the search depth (" + std::to_string(depth_.capacity()) +
                          ") share updatedAt " + wire_time(c.updated_from) + " and createdAt " + wire_time(first) +
                          ": no documented search condition separates them");
  }

  // The documented way: the exact-time search by page number, range by range.
  status read_group_by_page(group_state& g) {
    g.by_page = true;
    const std::int64_t size = depth_.page_size;
    const std::int64_t max_page = depth_.capacity() / size;
    std::int64_t first_page = g.page + 1;
    std::int64_t last_total = g.total.value_or(-1);  // -1: unknown
    bool too_deep = false;  // the range paged past the depth limit: split it whatever its total says
    for (;;) {  // one created_at range after the other
      auto c = group_criteria(g);
      c.created_from = g.created_from;
      c.created_before = g.created_before;
      auto pages = paginator::page_number(task_.stream + " search at " + wire_time(g.t), size, first_page);
      bool split = false;
      for (;;) {
        if (s_.cancelled()) return make_error(error_kind::cancelled, task_.stream + ": cancelled");
        const auto number = pages.page();
        if (number > max_page) {  // the range grew past the depth limit: split it, read it again
          s_.warn(task_.stream + ": the records sharing updatedAt " + wire_time(g.t) +
                  " went past the search depth while read; reading their range again, split");
          too_deep = split = true;
          break;
        }
        auto answer = search(c, number);
        if (!answer) return std::move(answer).error();
        auto& p = **answer;
        auto hits = read_hits(p, c);
        if (!hits) return std::move(hits).error();
        if (number == 1 && !p.last && (too_deep || !fits(p))) {
          auto m = split_point(p, c);
          if (!m) return std::move(m).error();
          g.created_before = *m;
          too_deep = false;
          split = true;
          break;
        }
        if (last_total >= 0 && p.total && *p.total < last_total) {
          // Records left the range: later ones moved to earlier pages.
          const auto lost = last_total - *p.total;
          for (auto q = std::max<std::int64_t>(1, number - (lost + size - 1) / size); q < number; ++q) {
            auto again = search(c, q);
            if (!again) return std::move(again).error();
            auto again_hits = read_hits(**again, c);
            if (!again_hits) return std::move(again_hits).error();
            if (auto st = emit_new(g, **again, *again_hits); !st) return st;
          }
        }
        last_total = p.total.value_or(-1);
        if (auto st = emit_new(g, p, *hits); !st) return st;
        auto more = pages.next_page(hits->size(),
                                    hits->empty() ? std::string() : hits->front().id + "/" + hits->back().id, p.last);
        if (!more) return std::move(more).error();
        if (!*more) break;
        g.page = number;
        g.total = p.total;
        if (auto st = s_.checkpoint(group_bookmark(g)); !st) return st;
      }
      first_page = 1;
      g.page = 0;
      g.total.reset();
      last_total = -1;
      if (split) continue;
      // The range is read: its last page is covered by the next bookmark.
      if (!g.created_before) return {};  // the last range: the group is read
      g.created_from = g.created_before;
      g.created_before.reset();
      if (auto st = s_.checkpoint(group_bookmark(g)); !st) return st;
    }
  }

  const search_depth depth_;
  const std::string& base_;
  const task_spec& task_;
  session& s_;
  const std::string_view context_;
  bool id_filter_usable_ = true;  // for this task: off after one refusal, one ignoring, one unproven page
  std::set<std::string, std::less<>> seen_;  // ids delivered from the current group in this run
};

} // namespace

status read_search(const stream_spec& spec, const search_depth& depth, const std::string& base, const task_spec& task,
                   session& s) {
  return search_reader(spec, depth, base, task, s).run();
}

} // namespace quarry::connectors::kustomer
